using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using MailFlow.Backend.Plugin.Internal;

namespace MailFlow.Backend.Plugin.Frames;

/// <summary>
/// Encodes a <see cref="DataFrame"/> the way Grafana's Go SDK does: one Arrow IPC <b>file</b> (not stream), schema
/// metadata <c>name</c>, <c>refId</c>, <c>meta</c> (JSON), field metadata <c>name</c>, <c>labels</c> (JSON, keys
/// sorted), <c>config</c> (JSON), and time as Timestamp(nanosecond) without a time zone.
/// </summary>
internal static class ArrowFrameEncoder
{
    private static readonly TimestampType NanosecondsNoZone = new(TimeUnit.Nanosecond, (string?)null);

    public static byte[] Encode(DataFrame frame)
    {
        var fields = new List<Field>(frame.Fields.Count);
        var arrays = new List<IArrowArray>(frame.Fields.Count);
        var rows = frame.RowCount;
        foreach (var field in frame.Fields)
        {
            if (field.Length != rows)
            {
                throw new InvalidOperationException($"frame '{frame.Name}': field '{field.Name}' has {field.Length} values, not {rows}");
            }

            fields.Add(new Field(field.Name, ArrowType(field.Kind), field.Nullable, FieldMetadata(field)));
            arrays.Add(BuildArray(field));
        }

        var schema = new Schema(fields, new Dictionary<string, string>
        {
            ["name"] = frame.Name,
            ["refId"] = frame.RefId,
            ["meta"] = MetaJson(frame.Meta),
        });
        using var batch = new RecordBatch(schema, arrays, rows);
        using var output = new MemoryStream(256 + rows * frame.Fields.Count * 8);
        using (var writer = new ArrowFileWriter(output, schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }

        return output.ToArray();
    }

    private static IArrowType ArrowType(FieldKind kind) => kind switch
    {
        FieldKind.String => StringType.Default,
        FieldKind.Int64 => Int64Type.Default,
        FieldKind.Float64 => DoubleType.Default,
        FieldKind.Bool => BooleanType.Default,
        FieldKind.Time => NanosecondsNoZone,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static IArrowArray BuildArray(FrameField field)
    {
        switch (field.Kind)
        {
            case FieldKind.String:
                {
                    var builder = new StringArray.Builder();
                    foreach (var value in field.Strings)
                    {
                        builder.Append(value);
                    }

                    return builder.Build();
                }

            case FieldKind.Int64:
                {
                    var builder = new Int64Array.Builder().Reserve(field.Length);
                    foreach (var value in field.Longs)
                    {
                        builder.Append(value);
                    }

                    return builder.Build();
                }

            case FieldKind.Float64:
                {
                    var builder = new DoubleArray.Builder().Reserve(field.Length);
                    foreach (var value in field.Doubles)
                    {
                        if (value is { } number)
                        {
                            builder.Append(number);
                        }
                        else
                        {
                            builder.AppendNull();
                        }
                    }

                    return builder.Build();
                }

            case FieldKind.Bool:
                {
                    var builder = new BooleanArray.Builder().Reserve(field.Length);
                    foreach (var value in field.Bools)
                    {
                        builder.Append(value);
                    }

                    return builder.Build();
                }

            default:
                {
                    // The stored integers are the nanoseconds themselves: no unit conversion on the way.
                    var values = new ArrowBuffer.Builder<long>(field.Length);
                    foreach (var value in field.Longs)
                    {
                        values.Append(value);
                    }

                    return new TimestampArray(new ArrayData(NanosecondsNoZone, field.Length, 0, 0, [ArrowBuffer.Empty, values.Build()]));
                }
        }
    }

    private static Dictionary<string, string> FieldMetadata(FrameField field)
    {
        var metadata = new Dictionary<string, string> { ["name"] = field.Name };
        if (field.Labels is { Count: > 0 } labels)
        {
            metadata["labels"] = JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                foreach (var (key, value) in labels)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            });
        }

        if (field.Config is { IsEmpty: false } config)
        {
            metadata["config"] = JsonText.Write(writer =>
            {
                writer.WriteStartObject();
                if (config.DisplayName is not null)
                {
                    writer.WriteString("displayName", config.DisplayName);
                }

                if (config.Unit is not null)
                {
                    writer.WriteString("unit", config.Unit);
                }

                if (config.Decimals is { } decimals)
                {
                    writer.WriteNumber("decimals", decimals);
                }

                if (config.Min is { } min)
                {
                    writer.WriteNumber("min", min);
                }

                if (config.Max is { } max)
                {
                    writer.WriteNumber("max", max);
                }

                writer.WriteEndObject();
            });
        }

        return metadata;
    }

    private static string MetaJson(FrameMeta meta) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("type", meta.Type);
        writer.WriteStartArray("typeVersion");
        writer.WriteNumberValue(meta.Major);
        writer.WriteNumberValue(meta.Minor);
        writer.WriteEndArray();
        if (meta.ExecutedQueryString is not null)
        {
            writer.WriteString("executedQueryString", meta.ExecutedQueryString);
        }

        writer.WriteEndObject();
    });
}
