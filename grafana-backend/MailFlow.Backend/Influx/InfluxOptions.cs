namespace MailFlow.Backend.Influx;

/// <summary>
/// How to reach InfluxDB. The same options as the exporter's <c>--influx-*</c>. Queries use InfluxQL over
/// <c>/query</c>, which InfluxDB 1.x serves natively and 2.x/3.x serve through their v1 compatibility API.
/// </summary>
public sealed class InfluxOptions
{
    /// <summary>Default <see cref="Database"/>.</summary>
    public const string DefaultDatabase = "mailflow";

    /// <summary>Default <see cref="Timeout"/>: dashboards give up long before; a hung server must not pile up requests.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:8086</c>. Default <c>http://127.0.0.1:8086</c>.</summary>
    public Uri Url { get; set; } = new("http://127.0.0.1:8086");

    /// <summary>InfluxDB 1.x database (2.x/3.x: the database mapped to the bucket). Default <c>mailflow</c>; the bucket name when only <see cref="Bucket"/> is set.</summary>
    public string? Database { get; set; }

    /// <summary>Retention policy; null = the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>InfluxDB 2.x organisation (kept for symmetry with the exporter; v1-compatible queries resolve the bucket through its DBRP mapping).</summary>
    public string? Org { get; set; }

    /// <summary>InfluxDB 2.x bucket; used as the database name when <see cref="Database"/> is not set.</summary>
    public string? Bucket { get; set; }

    /// <summary>API token (2.x/3.x, or 1.x with auth): sent as <c>Authorization: Token ...</c>. Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>User name (1.x auth, or 2.x v1 authorization). Sent with <see cref="Password"/> as HTTP Basic; ignored when <see cref="Token"/> is set.</summary>
    public string? Username { get; set; }

    /// <summary>Password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Time allowed for one query. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>How error messages name the settings to fix: the command line's flags, or the Grafana data source page's fields.</summary>
    public InfluxSettingNames SettingNames { get; set; } = InfluxSettingNames.CommandLine;

    /// <summary>The database name actually queried.</summary>
    public string EffectiveDatabase => !string.IsNullOrEmpty(Database) ? Database : !string.IsNullOrEmpty(Bucket) ? Bucket : DefaultDatabase;

    /// <summary>Throws <see cref="ArgumentException"/> with an actionable message when the options cannot work.</summary>
    public void Validate()
    {
        if (!Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{SettingNames.Url} must be an http:// or https:// URL, not '{Url}'");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("the InfluxDB timeout must be positive");
        }
    }

    /// <summary>A description for logs: URL, database, retention policy and auth kind, never the secrets.</summary>
    public override string ToString() =>
        $"{Url} db={EffectiveDatabase} rp={RetentionPolicy ?? "(default)"} auth={(Token is { Length: > 0 } ? "token" : Username is { Length: > 0 } ? "user:" + Username : "none")}";
}

/// <summary>
/// The names of the settings an error message asks to check: <c>serve</c>'s flags on the command line, the data source
/// page's fields in Grafana (where flags mean nothing to the reader).
/// </summary>
/// <param name="Url">The InfluxDB URL setting.</param>
/// <param name="Token">The API token setting.</param>
/// <param name="UserAndPassword">The user and password settings.</param>
/// <param name="Database">The database (or bucket) setting.</param>
public sealed record InfluxSettingNames(string Url, string Token, string UserAndPassword, string Database)
{
    /// <summary>The flags of <c>mailflow-backend serve</c> (the same as the exporter's).</summary>
    public static InfluxSettingNames CommandLine { get; } = new("--influx-url", "--influx-token", "--influx-username/--influx-password", "--influx-database/--influx-bucket");

    /// <summary>The fields of the MailFlow data source's settings page in Grafana.</summary>
    public static InfluxSettingNames DataSourcePage { get; } = new("the URL on the data source's settings page", "the Token on the data source's settings page", "the User and Password on the data source's settings page", "the Database (or Bucket) on the data source's settings page");
}
