using System.CommandLine;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tailing;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailFlow.Exporter.Cli;

/// <summary>
/// <c>mailflow-exporter run</c>: a Generic Host daemon that follows log files like <c>tail -F</c> and keeps
/// InfluxDB current, exactly: durable checkpoints saved after InfluxDB acknowledged the points they cover.
/// </summary>
public static class RunCommand
{
    /// <summary>Follow options: flag, configuration key (under <c>Follow:</c>), description.</summary>
    private static readonly (string Flag, string Key, string Description)[] FollowTable =
    [
        ("--checkpoint", "CheckpointPath", "Checkpoint file. Default: /var/lib/mailflow-exporter/checkpoint.json, or ./mailflow-checkpoint.json when that folder is not writable."),
        ("--start-at", "StartAt", "Where to start files no checkpoint knows on the very first start: beginning or end. Default: beginning."),
        ("--poll-interval", "PollInterval", "How often files are checked (hh:mm:ss.fff). Default: 00:00:00.250."),
        ("--flush-interval", "FlushInterval", "How often changed minutes are written and the checkpoint saved. Default: 00:00:01."),
        ("--open-window", "OpenWindow", "How long a minute accepts records after the newest record time; older records are counted as late. Default: 00:15:00."),
        ("--rotation-grace", "RotationGrace", "A rotated file is closed after this long without growth. Default: 00:00:10."),
        ("--replay-bytes", "ReplayBytes", "Bytes re-read before a checkpoint offset after a restart to rebuild session state. Default: 4194304."),
        ("--chunk-bytes", "ChunkBytes", "Bytes read per file per step. Default: 1048576."),
        ("--queue-capacity", "QueueCapacity", "Steps waiting for the writer before readers wait. Default: 16."),
    ];

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Arity = ArgumentArity.ZeroOrMore, Description = "Files or globs to follow (quote globs: '/var/log/mail.log*'). Compressed files are skipped. Also Follow:Paths in the config." };
        var format = new Option<string?>("--format", "-f") { Description = "Log format, instead of detecting it per file: " + string.Join(", ", LogFormats.All.Select(f => f.Name)) + "." };
        var connectors = new Option<string?>("--connectors", "-c") { Description = "Connectors file (YAML). Default: none." };
        var year = new Option<int?>("--year") { Description = "Year for logs whose timestamps carry none. Default: inferred." };
        var timeZone = new Option<string?>("--timezone") { Description = "Time zone of timestamps that carry none (IANA name, UTC or +01:00). Default: the machine's zone." };
        var source = new Option<string?>("--source") { Description = "Mail server name to report instead of the log's host name." };
        var config = new Option<string?>("--config") { Description = "Configuration file (JSON or YAML) with Influx and Follow sections. Also read: ./appsettings.json, MAILFLOW_* environment variables (MAILFLOW_FOLLOW__OPENWINDOW, MAILFLOW_INFLUX__URL...)." };
        var followOptions = FollowTable.ToDictionary(row => row.Flag, row => new Option<string?>(row.Flag) { Description = $"{row.Description} [config: Follow:{row.Key}, env: MAILFLOW_FOLLOW__{row.Key.ToUpperInvariant()}]" });
        var influx = new InfluxCliOptions();

        var command = new Command("run", "Follow mail logs like tail -F (rotation by rename or copytruncate, new files) and keep InfluxDB current with exact per-minute totals; "
            + "a checkpoint makes restarts, crashes and InfluxDB outages lose and double nothing. Stop with SIGINT/SIGTERM. Environment: " + InfluxCliOptions.EnvironmentHelp() + ", " + TelemetrySetup.EnvironmentHelp + ".");
        command.Arguments.Add(paths);
        command.Options.Add(format);
        command.Options.Add(connectors);
        command.Options.Add(year);
        command.Options.Add(timeZone);
        command.Options.Add(source);
        command.Options.Add(config);
        foreach (var option in followOptions.Values)
        {
            command.Options.Add(option);
        }

        influx.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var overrides = influx.Overrides(parseResult);
            var argumentPaths = parseResult.GetValue(paths) ?? [];
            for (var i = 0; i < argumentPaths.Length; i++)
            {
                overrides["Follow:Paths:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = argumentPaths[i];
            }

            foreach (var (flag, key, _) in FollowTable)
            {
                if (parseResult.GetValue(followOptions[flag]) is { } value)
                {
                    overrides["Follow:" + key] = value;
                }
            }

            var configuration = ExporterConfiguration.Build(parseResult.GetValue(config), overrides);
            var influxOptions = InfluxCliOptions.Bind(configuration, defaultRetryFor: null);
            var follow = BindFollow(configuration);

            // The same checks as the report's options: format, connectors, year, time zone.
            var formatName = parseResult.GetValue(format);
            ILogFormat? forced = null;
            if (!string.IsNullOrWhiteSpace(formatName))
            {
                forced = LogFormats.Find(formatName) ?? throw new CliError($"unknown format '{formatName}' (choose one of: {string.Join(", ", LogFormats.All.Select(f => f.Name))})");
            }

            var classifier = LoadConnectors(parseResult.GetValue(connectors));
            var zone = parseResult.GetValue(timeZone);
            var parseOptions = new ParseOptions
            {
                Year = parseResult.GetValue(year),
                TimeZone = string.IsNullOrWhiteSpace(zone) ? TimeZoneInfo.Local : InputOptions.ParseTimeZone(zone),
                SourceHost = parseResult.GetValue(source),
            };
            var sourceOverride = parseResult.GetValue(source);

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
            builder.Configuration.AddConfiguration(configuration);
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));
            builder.Services.AddOptions<InfluxOptions>().Bind(configuration.GetSection("Influx")).ValidateOnStart();
            builder.Services.AddOptions<FollowOptions>().Bind(configuration.GetSection("Follow")).ValidateOnStart();
            builder.Services.AddSingleton<IValidateOptions<InfluxOptions>>(new ListValidator<InfluxOptions>(o => o.Validate()));
            builder.Services.AddSingleton<IValidateOptions<FollowOptions>>(new ListValidator<FollowOptions>(o => o.Validate()));
            builder.Services.AddSingleton(sp => new FollowPipeline(follow, influxOptions, parseOptions, forced,
                () => new MinuteAggregator(classifier, sourceOverride), sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService<CoordinatorService>();
            for (var i = 0; i < follow.Paths.Count; i++)
            {
                var index = i;
                builder.Services.AddSingleton<IHostedService>(sp => new FollowerService(sp.GetRequiredService<FollowPipeline>().Followers[index]));
            }

            builder.AddMailFlowTelemetry();
            using var host = builder.Build();
            TelemetrySetup.LogDestination(host.Services.GetRequiredService<ILoggerFactory>());
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OptionsValidationException e)
            {
                throw new CliError(string.Join("; ", e.Failures));
            }
            catch (InvalidDataException e)
            {
                throw new CliError(e.Message); // An unreadable checkpoint.
            }

            return Environment.ExitCode;
        }));
        return command;
    }

    private static FollowOptions BindFollow(IConfiguration configuration)
    {
        var options = new FollowOptions();
        try
        {
            configuration.GetSection("Follow").Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new CliError("run options: " + e.Message);
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliError("run options: " + string.Join("; ", errors));
        }

        return options;
    }

    private static Connectors.IConnectorClassifier LoadConnectors(string? path)
    {
        try
        {
            return string.IsNullOrWhiteSpace(path) ? Connectors.ConnectorSet.Empty : Connectors.ConnectorSet.Load(path);
        }
        catch (Connectors.ConnectorConfigException e)
        {
            throw new CliError(e.Message);
        }
    }

    /// <summary>Adapts an options class's own list of problems to the options validation of the host.</summary>
    private sealed class ListValidator<T>(Func<T, IReadOnlyList<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options);
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
