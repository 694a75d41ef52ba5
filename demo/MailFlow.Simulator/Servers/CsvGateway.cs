using System.Globalization;

namespace MailFlow.Simulator.Servers;

/// <summary>
/// A gateway with no log format of its own, exporting one row per message in the exporter's generic CSV
/// (docs/csv-format.md), one file per day; timestamps in UTC.
/// </summary>
internal sealed class CsvGateway(Emitter emit, Random random)
{
    public const string Header = "# Messages exported from a gateway that has no log format of its own (docs/csv-format.md).\n"
        + "timestamp,direction,tls,cipher,remote_host,remote_ip,sender_domain,recipient_domain,recipients,bytes,service,connector_id,source,auth";

    public void Message(DateTimeOffset t, Direction direction, Peer? peer, Party party, Tls tls)
    {
        var (host, ip, sender, recipient) = direction switch
        {
            Direction.Inbound => (peer!.Host, peer.Ip, peer.Domain, Organisation.Domain),
            Direction.Outbound => (peer!.Host, peer.Ip, Organisation.Domain, peer.Domain),
            _ => ("", $"10.20.{random.Next(1, 30)}.{random.Next(2, 250)}", Organisation.Domain, "gmail.com"),
        };
        var wire = Tally.Wire(direction);
        emit.Line(LogStream.Csv, t, string.Create(CultureInfo.InvariantCulture,
            $"{t.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},{wire},{Ciphers.OpenSslVersion(tls)},{Ciphers.OpenSslCipher(tls, host).Cipher},{host},{ip},{sender},{recipient},"
            + $"{(random.Next(5) == 0 ? 2 : 1)},{random.Next(1500, 90000)},gateway,\"Gateway, {wire}\",gw1.{Organisation.Domain},{Auth(host, direction, tls)}"));
        emit.Tally.Count(LogFormat.Csv, direction, party, tls);
    }

    /// <summary>The gateway's auth column, chosen per peer as the other servers do (see Ciphers).</summary>
    private static string Auth(string host, Direction direction, Tls tls) => tls == Tls.None ? "none" : host switch
    {
        "mail.contoso.com" => "verified",
        "mx.fabrikam.com" => "untrusted",
        _ => direction == Direction.Outbound ? "trusted" : "anonymous",
    };
}
