using System.Text.Json;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Sinks;

namespace MailFlow.Exporter.Tailing;

/// <summary>Where a followed file was consumed up to.</summary>
/// <param name="Path">Its last known path.</param>
/// <param name="Identity">Device and inode.</param>
/// <param name="Offset">Byte offset just after the last complete line whose records are in the checkpoint's totals.</param>
/// <param name="Finished">True once the file was rotated away (or superseded) and read to its end.</param>
public sealed record FilePosition(string Path, FileIdentity Identity, long Offset, bool Finished);

/// <summary>
/// The daemon's durable state: per followed file its identity and consumed offset, and the complete totals of
/// the minutes still open (they may still grow). Saved only after the points it covers were acknowledged by
/// InfluxDB, atomically (temp file, fsync, rename, fsync of the directory), so that after a crash the restored
/// totals plus the lines after the offsets give exactly the totals of an uninterrupted run.
/// </summary>
public sealed class Checkpoint
{
    private const int FormatVersion = 1;

    /// <summary>Per file, keyed by identity.</summary>
    public Dictionary<FileIdentity, FilePosition> Files { get; } = [];

    /// <summary>Minutes before this were written with their final totals and are no longer held.</summary>
    public DateTimeOffset ClosedBefore { get; set; } = DateTimeOffset.MinValue;

    /// <summary>Totals of the open minutes.</summary>
    public MinuteTotals Totals { get; set; } = new();

    /// <summary>Loads a checkpoint, or returns an empty one when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a checkpoint this version can read.</exception>
    public static Checkpoint Load(string path)
    {
        var checkpoint = new Checkpoint();
        if (!File.Exists(path))
        {
            return checkpoint;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            if (root.GetProperty("version").GetInt32() != FormatVersion)
            {
                throw new InvalidDataException($"{path}: checkpoint format version {root.GetProperty("version").GetInt32()} is not {FormatVersion}");
            }

            checkpoint.ClosedBefore = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("closedBefore").GetInt64());
            foreach (var file in root.GetProperty("files").EnumerateArray())
            {
                var identity = new FileIdentity(file.GetProperty("device").GetUInt64(), file.GetProperty("inode").GetUInt64());
                checkpoint.Files[identity] = new FilePosition(file.GetProperty("path").GetString()!, identity, file.GetProperty("offset").GetInt64(), file.GetProperty("finished").GetBoolean());
            }

            foreach (var point in root.GetProperty("series").EnumerateArray())
            {
                checkpoint.Totals.Add(new SeriesPoint(Minute(point), ReadKey(point), ReadCounts(point)));
            }

            foreach (var point in root.GetProperty("peers").EnumerateArray())
            {
                var key = ReadKey(point);
                checkpoint.Totals.Add(new PeerPoint(Minute(point), new PeerKey(key.Direction, key.Connector, key.Tls, key.Source, point.GetProperty("peer").GetString()!), ReadCounts(point)));
            }

            // Absent from checkpoints written before transit security was counted: those minutes simply have none.
            if (root.TryGetProperty("security", out var security))
            {
                foreach (var point in security.EnumerateArray())
                {
                    var key = ReadKey(point);
                    if (!TransitSecurity.TryParseAuth(point.GetProperty("auth").GetString(), out var auth)
                        || !TransitSecurity.TryParseCipherClass(point.GetProperty("cipher").GetString(), out var cipher))
                    {
                        throw new FormatException("unknown auth level or cipher class");
                    }

                    checkpoint.Totals.Add(new SecurityPoint(Minute(point), new SecurityKey(key.Direction, key.Connector, auth, cipher, key.Source), ReadCounts(point)));
                }
            }

            if (root.TryGetProperty("blocked", out var blocked))
            {
                foreach (var point in blocked.EnumerateArray())
                {
                    var key = ReadKey(point);
                    var reasonText = point.GetProperty("reason").GetString();
                    var reason = BlockReasons.All.FirstOrDefault(r => r.ToWire() == reasonText);
                    if (reason == BlockReason.None)
                    {
                        throw new FormatException("unknown block reason");
                    }

                    checkpoint.Totals.Add(new BlockedPoint(Minute(point), new BlockedKey(key.Connector, reason, key.Source, point.GetProperty("recipientDomain").GetString()!), ReadCounts(point)));
                }
            }

            if (root.TryGetProperty("securityPeers", out var securityPeers))
            {
                foreach (var point in securityPeers.EnumerateArray())
                {
                    var key = ReadKey(point);
                    if (!TransitSecurity.TryParseAuth(point.GetProperty("auth").GetString(), out var auth)
                        || !TransitSecurity.TryParseCipherClass(point.GetProperty("cipher").GetString(), out var cipher)
                        || !SecurityConcerns.TryParseWire(point.GetProperty("concern").GetString(), out var concern))
                    {
                        throw new FormatException("unknown auth level, cipher class or concern");
                    }

                    var peerKey = new SecurityPeerKey(key.Direction, key.Connector, concern, auth, cipher, key.Source, point.GetProperty("peer").GetString()!);
                    checkpoint.Totals.Add(new SecurityPeerPoint(Minute(point), peerKey, ReadCounts(point)));
                }
            }

            checkpoint.Totals.TakeDirty();
            return checkpoint;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a readable checkpoint ({e.Message}); move it away to start over (points already written stay correct for complete minutes)", e);
        }
    }

    /// <summary>Saves atomically: a reader (or a restart after a crash) sees the old or the new checkpoint, never a mix.</summary>
    public void Save(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteNumber("version", FormatVersion);
                json.WriteNumber("closedBefore", ClosedBefore == DateTimeOffset.MinValue ? 0 : ClosedBefore.ToUnixTimeSeconds());
                json.WriteStartArray("files");
                foreach (var file in Files.Values)
                {
                    json.WriteStartObject();
                    json.WriteString("path", file.Path);
                    json.WriteNumber("device", file.Identity.Device);
                    json.WriteNumber("inode", file.Identity.Inode);
                    json.WriteNumber("offset", file.Offset);
                    json.WriteBoolean("finished", file.Finished);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("series");
                foreach (var point in Totals.Series)
                {
                    json.WriteStartObject();
                    WriteKey(json, point.Minute, point.Key, point.Counts);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("peers");
                foreach (var point in Totals.Peers)
                {
                    json.WriteStartObject();
                    var key = point.Key;
                    WriteKey(json, point.Minute, new SeriesKey(key.Direction, key.Connector, key.Tls, key.Source), point.Counts);
                    json.WriteString("peer", key.Peer);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("security");
                foreach (var point in Totals.Security)
                {
                    json.WriteStartObject();
                    var key = point.Key;
                    WriteKey(json, point.Minute, new SeriesKey(key.Direction, key.Connector, TlsVersion.Unknown, key.Source), point.Counts);
                    json.WriteString("auth", key.Auth.ToWire());
                    json.WriteString("cipher", key.Cipher.ToWire());
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("blocked");
                foreach (var point in Totals.Blocked)
                {
                    json.WriteStartObject();
                    var key = point.Key;
                    WriteKey(json, point.Minute, new SeriesKey(Direction.Outbound, key.Connector, TlsVersion.None, key.Source), point.Counts);
                    json.WriteString("reason", key.Reason.ToWire());
                    json.WriteString("recipientDomain", key.Domain);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("securityPeers");
                foreach (var point in Totals.SecurityPeers)
                {
                    json.WriteStartObject();
                    var key = point.Key;
                    WriteKey(json, point.Minute, new SeriesKey(key.Direction, key.Connector, TlsVersion.Unknown, key.Source), point.Counts);
                    json.WriteString("concern", key.Concern.ToWire());
                    json.WriteString("auth", key.Auth.ToWire());
                    json.WriteString("cipher", key.Cipher.ToWire());
                    json.WriteString("peer", key.Peer);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        FileIdentity.SyncDirectory(directory);
    }

    private static void WriteKey(Utf8JsonWriter json, DateTimeOffset minute, SeriesKey key, Counts counts)
    {
        json.WriteNumber("minute", minute.ToUnixTimeSeconds());
        json.WriteString("direction", key.Direction.ToWire());
        json.WriteString("connector", key.Connector.Name);
        json.WriteString("connectorType", key.Connector.Type.ToWire());
        json.WriteBoolean("forcedTls", key.Connector.ForcedTls);
        json.WriteString("tls", key.Tls.ToWire());
        json.WriteString("source", key.Source);
        json.WriteNumber("messages", counts.Messages);
        json.WriteNumber("recipients", counts.Recipients);
        json.WriteNumber("bytes", counts.Bytes);
    }

    private static DateTimeOffset Minute(JsonElement point) => DateTimeOffset.FromUnixTimeSeconds(point.GetProperty("minute").GetInt64());

    private static Counts ReadCounts(JsonElement point) =>
        new(point.GetProperty("messages").GetInt64(), point.GetProperty("recipients").GetInt64(), point.GetProperty("bytes").GetInt64());

    private static SeriesKey ReadKey(JsonElement point)
    {
        if (!Directions.TryParseWire(point.GetProperty("direction").GetString(), out var direction)
            || !ConnectorTypes.TryParseWire(point.GetProperty("connectorType").GetString(), out var type)
            || !TlsVersions.TryParseWire(point.GetProperty("tls").GetString(), out var tls))
        {
            throw new FormatException("unknown direction, connector type or TLS version");
        }

        var name = point.GetProperty("connector").GetString()!;
        var forced = point.GetProperty("forcedTls").GetBoolean();
        var connector = InternConnector(name, type, forced);
        return new SeriesKey(direction, connector, tls, point.GetProperty("source").GetString() ?? "");
    }

    private static ConnectorInfo InternConnector(string name, ConnectorType type, bool forced)
    {
        foreach (var known in (ConnectorInfo[])[ConnectorInfo.InboundInternet, ConnectorInfo.OutboundInternet, ConnectorInfo.SubmissionClients])
        {
            if (known.Name == name && known.Type == type && known.ForcedTls == forced)
            {
                return known;
            }
        }

        return new ConnectorInfo(name, type, forced);
    }
}
