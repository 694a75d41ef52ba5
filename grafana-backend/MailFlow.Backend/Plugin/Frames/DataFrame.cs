namespace MailFlow.Backend.Plugin.Frames;

/// <summary>
/// A Grafana data frame: named columns of equal length plus the metadata Grafana reads (name, refId, meta).
/// Encoded for Grafana by <see cref="ArrowFrameEncoder"/>.
/// </summary>
internal sealed class DataFrame
{
    public DataFrame(string name, FrameMeta meta, params FrameField[] fields)
    {
        Name = name;
        Meta = meta;
        Fields = [.. fields];
    }

    /// <summary>The frame's name (Grafana uses it in legends when a field has no display name).</summary>
    public string Name { get; }

    /// <summary>The query's refId; set when the frame is put into a response.</summary>
    public string RefId { get; set; } = string.Empty;

    public FrameMeta Meta { get; }

    public List<FrameField> Fields { get; }

    /// <summary>Rows: every field has this many values.</summary>
    public int RowCount => Fields.Count == 0 ? 0 : Fields[0].Length;
}

/// <summary>The frame's <c>meta</c>: its dataplane type and version, and the query that produced it.</summary>
/// <param name="Type">Dataplane frame type: <c>table</c>, <c>timeseries-multi</c>, <c>numeric-multi</c>...</param>
/// <param name="Major">The type's version, major part.</param>
/// <param name="Minor">The type's version, minor part.</param>
/// <param name="ExecutedQueryString">What ran (InfluxQL), shown in Grafana's query inspector.</param>
internal sealed record FrameMeta(string Type, int Major, int Minor, string? ExecutedQueryString = null)
{
    public const string Table = "table";
    public const string TimeSeriesMulti = "timeseries-multi";
    public const string NumericMulti = "numeric-multi";

    public static FrameMeta ForTable(string? executed) => new(Table, 0, 0, executed);

    public static FrameMeta ForTimeSeriesMulti(string? executed) => new(TimeSeriesMulti, 0, 1, executed);

    public static FrameMeta ForNumericMulti(string? executed) => new(NumericMulti, 0, 1, executed);
}

/// <summary>The field's <c>config</c>: how Grafana displays it.</summary>
internal sealed record FieldConfig(string? DisplayName = null, string? Unit = null, int? Decimals = null, double? Min = null, double? Max = null)
{
    public static readonly FieldConfig Percent = new(Unit: "percent", Decimals: 2, Min: 0, Max: 100);

    public static readonly FieldConfig Messages = new(Unit: "short", Decimals: 0);

    public bool IsEmpty => DisplayName is null && Unit is null && Decimals is null && Min is null && Max is null;
}

/// <summary>The Arrow type of a field's values.</summary>
internal enum FieldKind
{
    String,
    Int64,
    Float64,
    Bool,

    /// <summary>Timestamp, nanoseconds since the epoch, no time zone (what Grafana expects).</summary>
    Time,
}

/// <summary>One column of a frame. Values are appended in row order.</summary>
internal sealed class FrameField
{
    private readonly List<string?>? _strings;
    private readonly List<long>? _longs;
    private readonly List<double?>? _doubles;
    private readonly List<bool>? _bools;

    private FrameField(string name, FieldKind kind, FieldConfig? config, bool nullable)
    {
        Name = name;
        Kind = kind;
        Config = config;
        Nullable = nullable;
        switch (kind)
        {
            case FieldKind.String:
                _strings = [];
                break;
            case FieldKind.Float64:
                _doubles = [];
                break;
            case FieldKind.Bool:
                _bools = [];
                break;
            default:
                _longs = [];
                break;
        }
    }

    public string Name { get; }

    public FieldKind Kind { get; }

    public FieldConfig? Config { get; }

    /// <summary>The Arrow field's nullable flag (Grafana reads the Go type from it).</summary>
    public bool Nullable { get; }

    /// <summary>Dimension labels (alerting makes one instance per distinct label set); null = none.</summary>
    public SortedDictionary<string, string>? Labels { get; private set; }

    public int Length => _strings?.Count ?? _longs?.Count ?? _doubles?.Count ?? _bools!.Count;

    internal List<string?> Strings => _strings ?? throw WrongKind();

    internal List<long> Longs => _longs ?? throw WrongKind();

    internal List<double?> Doubles => _doubles ?? throw WrongKind();

    internal List<bool> Bools => _bools ?? throw WrongKind();

    public static FrameField String(string name, FieldConfig? config = null) => new(name, FieldKind.String, config, false);

    public static FrameField Int64(string name, FieldConfig? config = null) => new(name, FieldKind.Int64, config, false);

    public static FrameField Float64(string name, FieldConfig? config = null, bool nullable = false) => new(name, FieldKind.Float64, config, nullable);

    public static FrameField Bool(string name, FieldConfig? config = null) => new(name, FieldKind.Bool, config, false);

    public static FrameField Time(string name, FieldConfig? config = null) => new(name, FieldKind.Time, config, false);

    /// <summary>Sets the dimension labels (keys are written sorted, as Grafana's SDK does).</summary>
    public FrameField WithLabels(params (string Key, string Value)[] labels)
    {
        Labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            Labels[key] = value;
        }

        return this;
    }

    public FrameField Add(string value)
    {
        Strings.Add(value);
        return this;
    }

    public FrameField Add(long value)
    {
        Longs.Add(value);
        return this;
    }

    public FrameField Add(double? value)
    {
        Doubles.Add(value);
        return this;
    }

    public FrameField Add(bool value)
    {
        Bools.Add(value);
        return this;
    }

    /// <summary>Appends an instant to a time field (stored as epoch nanoseconds).</summary>
    public FrameField Add(DateTimeOffset instant)
    {
        if (Kind != FieldKind.Time)
        {
            throw WrongKind();
        }

        Longs.Add((instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100);
        return this;
    }

    private InvalidOperationException WrongKind() => new($"field '{Name}' holds {Kind} values");
}
