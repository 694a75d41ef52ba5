using System.Globalization;
using System.Net;
using MailFlow.Backend.Influx;

namespace MailFlow.Backend.Hosting;

/// <summary>Options of <c>mailflow-backend serve</c>; each is documented with its default.</summary>
public sealed class ServeOptions
{
    /// <summary>Default <see cref="Listen"/>: loopback only, so that no key is needed for a local try.</summary>
    public const string DefaultListen = "127.0.0.1:50051";

    /// <summary><c>host:port</c> to listen on (<c>127.0.0.1:50051</c>, <c>[::1]:0</c>, <c>0.0.0.0:50051</c>, <c>*:50051</c>). Port 0 picks a free port.</summary>
    public string Listen { get; set; } = DefaultListen;

    /// <summary>The API key callers must send in <c>x-api-key</c>; required when <see cref="Listen"/> is not loopback.</summary>
    public string? ApiKey { get; set; }

    /// <summary>PEM certificate file for TLS; with <see cref="TlsKeyPath"/>. Unset: cleartext HTTP/2 (h2c).</summary>
    public string? TlsCertPath { get; set; }

    /// <summary>PEM private key file for TLS.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>Query engine tuning (cache of closed buckets).</summary>
    public MailFlow.Backend.Query.QueryEngineOptions Engine { get; set; } = new();

    /// <summary>How to reach InfluxDB.</summary>
    public InfluxOptions Influx { get; set; } = new();

    /// <summary>The HTTPS receiver of SMTP TLS reports (off unless its listen address is set).</summary>
    public MailFlow.Backend.TlsReports.TlsReportReceiverOptions TlsReports { get; set; } = new();

    /// <summary>The parsed listen address.</summary>
    public IPEndPoint ParseListen()
    {
        var text = Listen.Trim();
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"--listen '{Listen}' is not host:port (e.g. 127.0.0.1:50051)");
        }

        var host = text[..colon].Trim('[', ']');
        IPAddress address;
        if (host is "*" or "0.0.0.0" or "+")
        {
            address = IPAddress.Any;
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address!))
        {
            throw new ArgumentException($"--listen host '{host}' must be an IP address, localhost or * (names other than localhost are not resolved)");
        }

        return new IPEndPoint(address, port);
    }

    /// <summary>Problems that must stop the start, each an actionable sentence; empty when the options can work.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        try
        {
            var endpoint = ParseListen();
            if (!IPAddress.IsLoopback(endpoint.Address) && string.IsNullOrEmpty(ApiKey))
            {
                problems.Add($"refusing to listen on {Listen} (beyond loopback) without an API key: give --api-key-file <file> or set MAILFLOW_API_KEY, or listen on 127.0.0.1");
            }
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        if (string.IsNullOrEmpty(TlsCertPath) != string.IsNullOrEmpty(TlsKeyPath))
        {
            problems.Add("TLS needs both --tls-cert and --tls-key (PEM files)");
        }

        foreach (var (option, path) in new[] { ("--tls-cert", TlsCertPath), ("--tls-key", TlsKeyPath) })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
            {
                problems.Add($"{option} {path}: file not found");
            }
        }

        problems.AddRange(TlsReports.Problems());
        try
        {
            Influx.Validate();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }

        return problems;
    }
}
