using System.Globalization;

namespace MailFlow.Exporter.Sinks;

/// <summary>Which InfluxDB write API to use.</summary>
public enum InfluxApi
{
    /// <summary>Ask <c>/ping</c>: 1.x speaks v1; 2.x and 3.x get v2 when org, bucket and token are set, else v1 (their compatibility API).</summary>
    Auto,

    /// <summary><c>POST /write?db=&amp;rp=&amp;precision=s</c>: InfluxDB 1.x and the v1-compatibility endpoint of 2.x/3.x.</summary>
    V1,

    /// <summary><c>POST /api/v2/write?org=&amp;bucket=&amp;precision=s</c> through InfluxDB.Client: InfluxDB 1.8+, 2.x, 3.x.</summary>
    V2,
}

/// <summary>
/// Where and how to write points. Bound from the <c>Influx</c> configuration section, <c>INFLUX_*</c> environment
/// variables and <c>--influx-*</c> flags. <see cref="ToString"/> never shows the token or the password.
/// </summary>
public sealed class InfluxOptions
{
    /// <summary>Default server URL.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8086";

    /// <summary>Lines per write request: InfluxDB's documented sweet spot is 5,000.</summary>
    public const int DefaultBatchLines = 5000;

    /// <summary>The server's base URL. Default <c>http://127.0.0.1:8086</c>.</summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>The write API. Default <see cref="InfluxApi.Auto"/>.</summary>
    public InfluxApi Api { get; set; } = InfluxApi.Auto;

    /// <summary>v1: the database. Default <c>mailflow</c>.</summary>
    public string Database { get; set; } = "mailflow";

    /// <summary>v1: the retention policy; empty for the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>v2: the organisation (name or id).</summary>
    public string? Org { get; set; }

    /// <summary>v2: the bucket.</summary>
    public string? Bucket { get; set; }

    /// <summary>API token (v2, and v1 on 2.x/3.x via <c>Authorization: Token</c>). Secret: never logged.</summary>
    public string? Token { get; set; }

    /// <summary>A file whose first line is the token (e.g. a mounted secret); used when <see cref="Token"/> is empty.</summary>
    public string? TokenFile { get; set; }

    /// <summary>v1 user name (basic authentication).</summary>
    public string? Username { get; set; }

    /// <summary>v1 password. Secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Create the database (v1) or bucket (v2) when missing, if the credentials allow it. Default true.</summary>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Compress request bodies with gzip. Default true; turned off by itself when the server refuses it.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>
    /// Keep the rollup tiers (5m, 1h, 1d) current after each write. Default true; false for servers that cannot
    /// compute them (the v1-compatibility endpoints of InfluxDB 2.x/3.x have no <c>SELECT ... INTO</c>).
    /// </summary>
    public bool Rollups { get; set; } = true;

    /// <summary>Lines per write request. Default 5,000.</summary>
    public int BatchLines { get; set; } = DefaultBatchLines;

    /// <summary>Timeout of one HTTP request. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long to keep retrying a write that fails for a transient reason (connection refused, 5xx, timeout)
    /// before giving up. Null (default for <c>run</c>) retries forever.
    /// </summary>
    public TimeSpan? RetryFor { get; set; }

    /// <summary>The token from <see cref="Token"/> or the first line of <see cref="TokenFile"/>.</summary>
    public string? ResolveToken()
    {
        if (!string.IsNullOrEmpty(Token))
        {
            return Token;
        }

        if (string.IsNullOrEmpty(TokenFile))
        {
            return null;
        }

        var text = File.ReadAllText(TokenFile);
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? null : line;
    }

    /// <summary>Problems that make these options unusable, as sentences naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"--influx-url (INFLUX_URL): '{Url}' is not an http:// or https:// URL");
        }

        if (Api == InfluxApi.V1 && string.IsNullOrWhiteSpace(Database))
        {
            errors.Add("--influx-database (INFLUX_DATABASE) is required with the v1 API");
        }

        if (Api == InfluxApi.V2 && (string.IsNullOrWhiteSpace(Org) || string.IsNullOrWhiteSpace(Bucket)))
        {
            errors.Add("--influx-org (INFLUX_ORG) and --influx-bucket (INFLUX_BUCKET) are required with the v2 API");
        }

        if (!string.IsNullOrEmpty(TokenFile) && string.IsNullOrEmpty(Token) && !File.Exists(TokenFile))
        {
            errors.Add($"--influx-token-file (INFLUX_TOKEN_FILE): {TokenFile} does not exist");
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            errors.Add("--influx-username (INFLUX_USERNAME) and --influx-password (INFLUX_PASSWORD) go together");
        }

        if (BatchLines is < 1 or > 1_000_000)
        {
            errors.Add($"--influx-batch-lines: {BatchLines.ToString(CultureInfo.InvariantCulture)} is outside 1..1000000");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add("--influx-timeout must be positive");
        }

        return errors;
    }

    /// <summary>What the logs may show: everything but the secrets.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"url={Url} api={Api} database={Database} rp={RetentionPolicy ?? ""} org={Org ?? ""} bucket={Bucket ?? ""} token={(string.IsNullOrEmpty(Token) && string.IsNullOrEmpty(TokenFile) ? "none" : "***")} username={Username ?? ""} password={(string.IsNullOrEmpty(Password) ? "none" : "***")}");
}
