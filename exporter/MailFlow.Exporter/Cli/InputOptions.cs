using System.CommandLine;
using System.Globalization;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Pipeline;

namespace MailFlow.Exporter.Cli;

/// <summary>The options every command that reads logs shares: inputs, format, connectors, time handling.</summary>
public sealed class InputOptions
{
    public Argument<string[]> Inputs { get; } = new("inputs")
    {
        Arity = ArgumentArity.OneOrMore,
        Description = "Log files, directories, globs (quote them: 'logs/mail.log*'), or - for standard input. Plain or gzip.",
    };

    public Option<string?> Format { get; } = new("--format", "-f")
    {
        Description = "Log format, instead of detecting it per file: " + string.Join(", ", LogFormats.All.Select(f => f.Name)) + ".",
    };

    public Option<string?> Connectors { get; } = new("--connectors", "-c")
    {
        Description = "Connectors file (YAML) declaring Partner and OnPremises connectors. Default: none (all mail is \"without a connector\").",
    };

    public Option<int?> Year { get; } = new("--year")
    {
        Description = "Year of the first line for logs whose timestamps carry none (classic syslog). Default: inferred from the file's modification time.",
    };

    public Option<string?> TimeZone { get; } = new("--timezone")
    {
        Description = "Time zone of timestamps that carry none (classic syslog): an IANA name (Europe/Berlin), UTC, or an offset (+01:00). Default: the machine's zone.",
    };

    public Option<string?> Source { get; } = new("--source")
    {
        Description = "Mail server name to report for every message instead of the host name found in the log.",
    };

    public Option<int?> Parallelism { get; } = new("--parallel")
    {
        Description = "Files read at once. Default: one per CPU core.",
    };

    /// <summary>Adds the argument and options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Inputs);
        command.Options.Add(Format);
        command.Options.Add(Connectors);
        command.Options.Add(Year);
        command.Options.Add(TimeZone);
        command.Options.Add(Source);
        command.Options.Add(Parallelism);
    }

    /// <summary>Expands the inputs; throws <see cref="CliError"/> when none can be found.</summary>
    public IReadOnlyList<InputSource> ResolveInputs(ParseResult parseResult, TextWriter errors)
    {
        var (inputs, problems) = InputExpander.Expand(parseResult.GetValue(Inputs) ?? []);
        foreach (var problem in problems)
        {
            errors.WriteLine($"mailflow-exporter: warning: {problem}");
        }

        if (inputs.Count == 0)
        {
            throw new CliError("no input to read");
        }

        return inputs;
    }

    /// <summary>The batch settings the options describe (time bounds and bucket set by the caller).</summary>
    public BatchSettings ToSettings(ParseResult parseResult, TimeSpan bucket)
    {
        var formatName = parseResult.GetValue(Format);
        ILogFormat? format = null;
        if (!string.IsNullOrWhiteSpace(formatName))
        {
            format = LogFormats.Find(formatName)
                ?? throw new CliError($"unknown format '{formatName}' (choose one of: {string.Join(", ", LogFormats.All.Select(f => f.Name))})");
        }

        var connectorsPath = parseResult.GetValue(Connectors);
        IConnectorClassifier classifier;
        try
        {
            classifier = string.IsNullOrWhiteSpace(connectorsPath) ? ConnectorSet.Empty : ConnectorSet.Load(connectorsPath);
        }
        catch (ConnectorConfigException e)
        {
            throw new CliError(e.Message);
        }

        var year = parseResult.GetValue(Year);
        if (year is < 1970 or > 9999)
        {
            throw new CliError($"--year {year} is out of range (1970 to 9999)");
        }

        var zoneText = parseResult.GetValue(TimeZone);
        var parseOptions = new ParseOptions
        {
            Year = year,
            TimeZone = string.IsNullOrWhiteSpace(zoneText) ? TimeZoneInfo.Local : ParseTimeZone(zoneText),
            SourceHost = parseResult.GetValue(Source),
        };
        var parallel = parseResult.GetValue(Parallelism) ?? Environment.ProcessorCount;
        if (parallel < 1)
        {
            throw new CliError("--parallel must be at least 1");
        }

        return new BatchSettings
        {
            Classifier = classifier,
            Bucket = bucket,
            ParseOptions = parseOptions,
            ForcedFormat = format,
            SourceOverride = parseResult.GetValue(Source),
            Parallelism = parallel,
        };
    }

    /// <summary>An IANA or Windows zone name, UTC, or a fixed offset like +01:00.</summary>
    public static TimeZoneInfo ParseTimeZone(string text)
    {
        text = text.Trim();
        if (text.Equals("UTC", StringComparison.OrdinalIgnoreCase) || text == "Z")
        {
            return TimeZoneInfo.Utc;
        }

        if ((text.StartsWith('+') || text.StartsWith('-')) && TimeSpan.TryParseExact(text[1..], ["hh\\:mm", "hhmm", "hh"], CultureInfo.InvariantCulture, out var offset))
        {
            var signed = text[0] == '-' ? -offset : offset;
            return TimeZoneInfo.CreateCustomTimeZone("UTC" + text, signed, "UTC" + text, "UTC" + text);
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(text);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new CliError($"unknown time zone '{text}' (use an IANA name such as Europe/Berlin, UTC, or an offset such as +01:00)");
        }
    }

    /// <summary>Parses --from/--to: an ISO 8601 date or date-time; a date alone means its midnight UTC.</summary>
    public static DateTimeOffset? ParseTime(string? text, string optionName)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw new CliError($"{optionName} '{text}' is not a date or date-time (ISO 8601, e.g. 2026-11-20 or 2026-11-20T08:00:00Z)");
    }
}
