using MailFlow.Simulator.Servers;

namespace MailFlow.Simulator;

/// <summary>
/// When mail arrives and what it is. Arrivals follow a Poisson process whose rate follows the working day in the
/// simulated zone (<see cref="Rhythm"/>): <see cref="PeakPerHour"/> around 13:00 on weekdays, a twelfth of it at
/// night, a third of it at weekends. Each arrival is a message of a kind (direction and remote party, weighted as a
/// small organisation's mail) handled by one of the five servers, or now and then noise the exporter must ignore.
/// One <see cref="Random"/> drives everything, so that a seed and a start time give the same logs.
/// </summary>
internal sealed class MailFlowModel
{
    private static readonly (Direction Direction, Party Party, int Weight)[] Kinds =
    [
        (Direction.Inbound, Party.Internet, 30),
        (Direction.Inbound, Party.Contoso, 10),
        (Direction.Inbound, Party.Fabrikam, 7),
        (Direction.Inbound, Party.Relay, 10),
        (Direction.Outbound, Party.Internet, 17),
        (Direction.Outbound, Party.Contoso, 7),
        (Direction.Outbound, Party.Fabrikam, 3),
        (Direction.Outbound, Party.Relay, 4),
        (Direction.Submission, Party.Internet, 12),
    ];

    private static readonly (LogFormat Format, int Weight)[] Formats =
        [(LogFormat.Postfix, 35), (LogFormat.Exchange, 25), (LogFormat.Exim, 15), (LogFormat.Sendmail, 10), (LogFormat.Csv, 15)];

    private readonly Random _random;
    private readonly Emitter _emit;
    private readonly PostfixServer _postfix;
    private readonly SendmailServer _sendmail;
    private readonly ExchangeServer _exchange;
    private readonly EximServer _exim;
    private readonly CsvGateway _csv;
    private DateTimeOffset _candidate;

    public MailFlowModel(int seed, double peakPerHour, Emitter emit, DateTimeOffset start)
    {
        _random = new Random(seed);
        _emit = emit;
        PeakPerHour = peakPerHour;
        _postfix = new PostfixServer(emit, _random);
        _sendmail = new SendmailServer(emit, _random);
        _exchange = new ExchangeServer(emit, _random);
        _exim = new EximServer(emit, _random);
        _csv = new CsvGateway(emit, _random);
        _candidate = start;
        NextArrival = Advance();
    }

    public double PeakPerHour { get; }

    /// <summary>When the next message (or noise event) starts.</summary>
    public DateTimeOffset NextArrival { get; private set; }

    /// <summary>Share of the peak rate at <paramref name="time"/> in <paramref name="zone"/>: the shape of a working day.</summary>
    public static double Rhythm(DateTimeOffset time, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var hour = local.TimeOfDay.TotalHours;
        var day = 0.08 + (0.92 * Math.Exp(-Math.Pow((hour - 13) / 3.5, 2)));
        return local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? day / 3 : day;
    }

    /// <summary>Generates the arrival due at <see cref="NextArrival"/>, then draws the next one.</summary>
    public void GenerateNext()
    {
        var t = NextArrival;
        _emit.Begin(t);
        if (_random.NextDouble() < 0.04)
        {
            Noise(t);
        }
        else
        {
            var (direction, party, _) = Organisation.Pick(_random, Kinds, k => k.Weight);
            var format = Organisation.Pick(_random, Formats, f => f.Weight).Format;
            Message(t, format, direction, party);
        }

        NextArrival = Advance();
    }

    private void Message(DateTimeOffset t, LogFormat format, Direction direction, Party party)
    {
        if (direction == Direction.Submission)
        {
            switch (format)
            {
                case LogFormat.Exchange:
                    _exchange.Submission(t);
                    break;
                case LogFormat.Exim:
                    _exim.Submission(t, Organisation.PickPeer(_random, Organisation.InternetReceivers));
                    break;
                case LogFormat.Csv:
                    _csv.Message(t, Direction.Submission, null, Party.Internet, Tls.Tls13);
                    break;
                default:
                    // Sendmail's MSA is not simulated: its submissions go through Postfix.
                    _postfix.Submission(t, Organisation.PickPeer(_random, Organisation.InternetReceivers));
                    break;
            }

            return;
        }

        var peer = PeerFor(direction, party, format);
        var tls = peer.Tls;
        if (party == Party.Relay && _random.NextDouble() < Organisation.RelayPlaintextShare)
        {
            tls = Tls.None; // The relay's TLS broke: plaintext although its connector requires TLS.
        }

        switch (format, direction)
        {
            case (LogFormat.Postfix, Direction.Inbound):
                _postfix.Inbound(t, peer, party, tls);
                break;
            case (LogFormat.Postfix, _):
                _postfix.Outbound(t, peer, party, tls);
                break;
            case (LogFormat.Sendmail, Direction.Inbound):
                _sendmail.Inbound(t, peer, party, tls);
                break;
            case (LogFormat.Sendmail, _):
                _sendmail.Outbound(t, peer, party, tls);
                break;
            case (LogFormat.Exchange, Direction.Inbound):
                _exchange.Inbound(t, peer, party, tls);
                break;
            case (LogFormat.Exchange, _):
                _exchange.Outbound(t, peer, party, tls);
                break;
            case (LogFormat.Exim, Direction.Inbound):
                _exim.Inbound(t, peer, party, tls);
                break;
            case (LogFormat.Exim, _):
                _exim.Outbound(t, peer, party, tls);
                break;
            default:
                _csv.Message(t, direction, peer, party, tls);
                break;
        }
    }

    private Peer PeerFor(Direction direction, Party party, LogFormat format) => party switch
    {
        Party.Contoso => Organisation.Contoso,
        Party.Fabrikam => Organisation.Fabrikam,
        Party.Relay => Organisation.PickPeer(_random, Organisation.Relays),
        _ when direction == Direction.Inbound && format == LogFormat.Sendmail && _random.NextDouble() < 0.05 => Organisation.LegacySendmailPeer,
        _ => Organisation.PickPeer(_random, direction == Direction.Inbound ? Organisation.InternetSenders : Organisation.InternetReceivers),
    };

    /// <summary>What real logs are full of and the exporter must not count.</summary>
    private void Noise(DateTimeOffset t)
    {
        switch (_random.Next(3))
        {
            case 0:
                _exchange.Probe(t);
                break;
            case 1:
                _exim.Deferred(t, Organisation.PickPeer(_random, Organisation.InternetReceivers));
                break;
            default:
                _postfix.Deferred(t, Organisation.PickPeer(_random, Organisation.InternetReceivers));
                break;
        }
    }

    /// <summary>The next arrival of the non-homogeneous Poisson process, by thinning a process at the peak rate.</summary>
    private DateTimeOffset Advance()
    {
        var perSecond = PeakPerHour / 3600;
        while (true)
        {
            _candidate = _candidate.AddSeconds(-Math.Log(1 - _random.NextDouble()) / perSecond);
            if (_random.NextDouble() < Rhythm(_candidate, _emit.Zone))
            {
                return _candidate;
            }
        }
    }
}
