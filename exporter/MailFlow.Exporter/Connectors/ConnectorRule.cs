using System.Net;
using System.Net.Sockets;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Connectors;

/// <summary>A declared connector compiled for matching.</summary>
public sealed class ConnectorRule
{
    private readonly bool _inbound;
    private readonly bool _outbound;
    private readonly (IPAddress Network, int PrefixLength)[]? _networks;
    private readonly string[]? _hostSuffixes;
    private readonly string[]? _senderDomains;
    private readonly string[]? _recipientDomains;
    private readonly string[]? _services;
    private readonly string[]? _connectorIds;

    private ConnectorRule(ConnectorInfo connector, bool inbound, bool outbound, (IPAddress, int)[]? networks, string[]? hostSuffixes,
        string[]? senderDomains, string[]? recipientDomains, string[]? services, string[]? connectorIds)
    {
        Connector = connector;
        _inbound = inbound;
        _outbound = outbound;
        _networks = networks;
        _hostSuffixes = hostSuffixes;
        _senderDomains = senderDomains;
        _recipientDomains = recipientDomains;
        _services = services;
        _connectorIds = connectorIds;
    }

    public ConnectorInfo Connector { get; }

    /// <summary>"inbound", "outbound" or "both".</summary>
    public string DirectionsText => _inbound && _outbound ? "both" : _inbound ? "inbound" : "outbound";

    internal bool Matches(in MailRecord record, ref IPAddress? ip, ref bool ipParsed)
    {
        if (record.Direction == Direction.Inbound ? !_inbound : !_outbound)
        {
            return false;
        }

        if (_networks is not null)
        {
            if (!ipParsed)
            {
                ipParsed = true;
                ip = IPAddress.TryParse(record.RemoteIp, out var parsed) ? Normalize(parsed) : null;
            }

            if (ip is null || !InAnyNetwork(ip, _networks))
            {
                return false;
            }
        }

        return MatchesDomain(_hostSuffixes, record.RemoteHost)
            && MatchesDomain(_senderDomains, record.SenderDomain)
            && MatchesDomain(_recipientDomains, record.RecipientDomain)
            && MatchesName(_services, record.Service)
            && MatchesName(_connectorIds, record.ConnectorId);
    }

    internal static ConnectorRule Create(ConnectorEntry entry, ConnectorPlace place)
    {
        if (string.IsNullOrWhiteSpace(entry.Name))
        {
            throw place.Error(null, "'name' is required");
        }

        if (entry.Name.IndexOfAny(['\n', '\r', '\t']) >= 0)
        {
            throw place.Error("name", "'name' must be one line");
        }

        if (!ConnectorTypes.TryParseWire(entry.Type, out var type) || type is not (ConnectorType.Partner or ConnectorType.OnPremises))
        {
            throw place.Error("type", $"'type' must be Partner or OnPremises (got '{entry.Type}')");
        }

        var (inbound, outbound) = entry.Direction?.Trim().ToLowerInvariant() switch
        {
            "inbound" => (true, false),
            "outbound" => (false, true),
            "both" => (true, true),
            _ => throw place.Error("direction", $"'direction' must be inbound, outbound or both (got '{entry.Direction}')"),
        };

        var match = entry.Match ?? throw place.Error(null, "'match' is required (remoteIps, remoteHosts, senderDomains, recipientDomains, services or connectorIds)");
        var networks = match.RemoteIps is { Count: > 0 } ips ? ips.Select((text, index) => ParseNetwork(text, place, index)).ToArray() : null;
        var rule = new ConnectorRule(
            new ConnectorInfo(entry.Name.Trim(), type, entry.ForcedTls),
            inbound,
            outbound,
            networks,
            Lower(match.RemoteHosts),
            Lower(match.SenderDomains),
            Lower(match.RecipientDomains),
            Lower(match.Services),
            Lower(match.ConnectorIds));
        if (networks is null && rule._hostSuffixes is null && rule._senderDomains is null && rule._recipientDomains is null && rule._services is null && rule._connectorIds is null)
        {
            throw place.Error("match", "'match' has no rule; give at least one of remoteIps, remoteHosts, senderDomains, recipientDomains, services, connectorIds");
        }

        return rule;
    }

    private static string[]? Lower(List<string>? values)
    {
        var cleaned = values?.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim().TrimStart('.').ToLowerInvariant()).ToArray();
        return cleaned is { Length: > 0 } ? cleaned : null;
    }

    /// <summary>Exact name, or a name beginning with a pattern that ends in '*'.</summary>
    private static bool MatchesName(string[]? patterns, string? value)
    {
        if (patterns is null)
        {
            return true;
        }

        if (value is null)
        {
            return false;
        }

        foreach (var pattern in patterns)
        {
            var matched = pattern.EndsWith('*')
                ? value.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : value.Equals(pattern, StringComparison.OrdinalIgnoreCase);
            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The domain itself or any of its subdomains: "contoso.com" matches "mail.eu.contoso.com".</summary>
    private static bool MatchesDomain(string[]? domains, string? value)
    {
        if (domains is null)
        {
            return true;
        }

        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var name = value.AsSpan().TrimEnd('.');
        foreach (var domain in domains)
        {
            if (name.Equals(domain, StringComparison.OrdinalIgnoreCase)
                || (name.Length > domain.Length && name[^(domain.Length + 1)] == '.' && name.EndsWith(domain, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static (IPAddress, int) ParseNetwork(string? text, ConnectorPlace place, int index)
    {
        var trimmed = text?.Trim() ?? "";
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? trimmed : trimmed[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
        {
            throw place.MatchItemError("remoteIps", index, $"'{text}' in remoteIps is not an IP address or CIDR block");
        }

        address = Normalize(address);
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(trimmed.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            throw place.MatchItemError("remoteIps", index, $"'{text}' in remoteIps has a bad prefix length (0 to {max})");
        }

        return (address, prefix);
    }

    private static bool InAnyNetwork(IPAddress ip, (IPAddress Network, int PrefixLength)[] networks)
    {
        foreach (var (network, prefixLength) in networks)
        {
            if (InNetwork(ip, network, prefixLength))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool InNetwork(IPAddress ip, IPAddress network, int prefixLength)
    {
        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(a, out var length);
        network.TryWriteBytes(b, out _);
        var fullBytes = prefixLength / 8;
        if (!a[..fullBytes].SequenceEqual(b[..fullBytes]))
        {
            return false;
        }

        var remaining = prefixLength % 8;
        if (remaining == 0 || fullBytes >= length)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - remaining));
        return (a[fullBytes] & mask) == (b[fullBytes] & mask);
    }
}
