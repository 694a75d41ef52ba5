using System.CommandLine;
using System.Globalization;
using MailFlow.Exporter.Sinks;
using Microsoft.Extensions.Configuration;

namespace MailFlow.Exporter.Cli;

/// <summary>
/// The <c>--influx-*</c> options of every command that talks to InfluxDB, each with its environment variable.
/// Precedence, lowest first: defaults, config file (<c>--config</c>), <c>MAILFLOW_INFLUX__*</c>,
/// <c>INFLUX_*</c>, flags.
/// </summary>
public sealed class InfluxCliOptions
{
    /// <summary>Flag, environment variable, configuration key (under <c>Influx:</c>), description.</summary>
    public static readonly (string Flag, string Env, string Key, string Description)[] Table =
    [
        ("--influx-url", "INFLUX_URL", "Url", $"InfluxDB base URL. Default: {InfluxOptions.DefaultUrl}."),
        ("--influx-api", "INFLUX_API", "Api", "Write API: auto (ask /ping: 1.x uses v1; 2.x/3.x use v2 when org, bucket and token are set), v1 or v2. Default: auto."),
        ("--influx-database", "INFLUX_DATABASE", "Database", "v1: database (created when missing and allowed). Default: mailflow."),
        ("--influx-retention-policy", "INFLUX_RETENTION_POLICY", "RetentionPolicy", "v1: retention policy. Default: the database's default."),
        ("--influx-org", "INFLUX_ORG", "Org", "v2: organisation."),
        ("--influx-bucket", "INFLUX_BUCKET", "Bucket", "v2: bucket."),
        ("--influx-token", "INFLUX_TOKEN", "Token", "API token (v2; v1 on 2.x/3.x as 'Authorization: Token'). Prefer INFLUX_TOKEN or --influx-token-file: flags show in ps."),
        ("--influx-token-file", "INFLUX_TOKEN_FILE", "TokenFile", "File whose first line is the token."),
        ("--influx-username", "INFLUX_USERNAME", "Username", "v1 user name (basic authentication)."),
        ("--influx-password", "INFLUX_PASSWORD", "Password", "v1 password. Prefer INFLUX_PASSWORD."),
        ("--influx-batch-lines", "INFLUX_BATCH_LINES", "BatchLines", $"Lines per write request. Default: {InfluxOptions.DefaultBatchLines}."),
        ("--influx-gzip", "INFLUX_GZIP", "Gzip", "Compress request bodies (true/false). Default: true; off by itself when the server refuses it."),
        ("--influx-create-database", "INFLUX_CREATE_DATABASE", "CreateDatabase", "Create the database/bucket when missing (true/false). Default: true."),
        ("--influx-rollups", "INFLUX_ROLLUPS", "Rollups", "Recompute the 5m, 1h and 1d rollup tiers after each write (true/false). Default: true; false for the v1 endpoints of InfluxDB 2.x/3.x, which have no SELECT INTO (or use the v2 API)."),
        ("--influx-timeout", "INFLUX_TIMEOUT", "Timeout", "Timeout of one request (hh:mm:ss). Default: 00:00:30."),
        ("--influx-retry-for", "INFLUX_RETRY_FOR", "RetryFor", "Give up after retrying transient failures this long (hh:mm:ss). Default: ingest 00:10:00, run forever."),
    ];

    private readonly Dictionary<string, Option<string?>> _options = [];

    public InfluxCliOptions()
    {
        foreach (var (flag, env, _, description) in Table)
        {
            _options[flag] = new Option<string?>(flag) { Description = $"{description} [env: {env}]" };
        }
    }

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in _options.Values)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The configuration keys the environment and the flags set (flags win).</summary>
    public Dictionary<string, string?> Overrides(ParseResult parseResult)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (flag, env, key, _) in Table)
        {
            var fromEnv = Environment.GetEnvironmentVariable(env);
            if (!string.IsNullOrEmpty(fromEnv))
            {
                values["Influx:" + key] = fromEnv;
            }

            var fromFlag = parseResult.GetValue(_options[flag]);
            if (fromFlag is not null)
            {
                values["Influx:" + key] = fromFlag;
            }
        }

        return values;
    }

    /// <summary>Binds and validates; throws <see cref="CliError"/> listing every problem.</summary>
    public static InfluxOptions Bind(IConfiguration configuration, TimeSpan? defaultRetryFor)
    {
        var options = new InfluxOptions { RetryFor = defaultRetryFor };
        try
        {
            configuration.GetSection("Influx").Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new CliError("InfluxDB options: " + e.Message);
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliError("InfluxDB options: " + string.Join("; ", errors));
        }

        return options;
    }

    /// <summary>The environment variables, for the README and <c>--help</c>.</summary>
    public static string EnvironmentHelp() =>
        string.Join(", ", Table.Select(row => row.Env)) + string.Create(CultureInfo.InvariantCulture, $" ({Table.Length} variables)");
}
