using System.Globalization;
using System.Text.Json.Nodes;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>Reading the host's answer once apache-arrow has decoded the frames (see tests/arrow-check/decode.mjs).</summary>
internal static class DecodedFrames
{
    /// <summary>The frames of one refId; fails when the query answered an error or a frame did not decode.</summary>
    public static IReadOnlyList<JsonObject> Of(JsonObject answer, string refId, string where)
    {
        var response = answer["data"]?[refId] ?? throw new InvalidOperationException($"{where}: no response for refId {refId}: {answer["errors"]}");
        Assert.True(string.IsNullOrEmpty((string?)response["error"]), $"{where}: the plugin answered \"{response["error"]}\"");
        Assert.True((int?)response["status"] == 200, $"{where}: status {response["status"]}");
        var frames = response["frames"]!.AsArray().Select(f => f!.AsObject()).ToArray();
        foreach (var frame in frames)
        {
            Assert.True(frame["error"] is null, $"{where}: {frame["error"]}");
            Assert.Equal(refId, (string?)frame["schemaMetadata"]?["refId"]);
        }

        return frames;
    }

    public static JsonObject Field(JsonObject frame, string name) =>
        frame["fields"]!.AsArray().Select(f => f!.AsObject()).SingleOrDefault(f => (string?)f["name"] == name)
        ?? throw new InvalidOperationException($"frame has no field {name}: {string.Join(", ", frame["fields"]!.AsArray().Select(f => (string?)f!["name"]))}");

    public static bool HasField(JsonObject frame, string name) => frame["fields"]!.AsArray().Any(f => (string?)f!["name"] == name);

    /// <summary>A table frame's rows as name → value (int64 and timestamps as the decimal text apache-arrow gave).</summary>
    public static IReadOnlyList<Dictionary<string, JsonNode?>> Rows(JsonObject frame)
    {
        var fields = frame["fields"]!.AsArray().Select(f => f!.AsObject()).ToArray();
        var count = (int)frame["rowCount"]!;
        return Enumerable.Range(0, count)
            .Select(i => fields.ToDictionary(f => (string)f["name"]!, f => f["values"]![i]?.DeepClone()))
            .ToArray();
    }

    /// <summary>A field's labels (metadata "labels", a JSON object), empty when it has none.</summary>
    public static Dictionary<string, string> Labels(JsonObject field) =>
        field["metadata"]?["labels"] is JsonValue text && JsonNode.Parse((string)text!) is JsonObject labels
            ? labels.ToDictionary(kv => kv.Key, kv => (string)kv.Value!)
            : [];

    /// <summary>A field's config (metadata "config", a JSON object).</summary>
    public static JsonObject Config(JsonObject field) =>
        field["metadata"]?["config"] is JsonValue text ? JsonNode.Parse((string)text!)!.AsObject() : [];

    public static long Long(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => long.Parse(text, CultureInfo.InvariantCulture),
        JsonValue v => (long)v.GetValue<double>(),
        _ => throw new InvalidOperationException("null where a number was expected"),
    };

    public static double Double(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => double.Parse(text, CultureInfo.InvariantCulture),
        JsonValue v => v.GetValue<double>(),
        _ => double.NaN,
    };

    public static string? Text(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var text) ? text : value?.ToJsonString();
}
