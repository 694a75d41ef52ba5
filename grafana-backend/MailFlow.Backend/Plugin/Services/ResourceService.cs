using Google.Protobuf;
using Grpc.Core;
using MailFlow.Backend.Plugin.Internal;
using MailFlow.Backend.Query;
using MailFlow.Contracts.GrafanaPlugin;
using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Backend.Plugin.Services;

/// <summary>
/// pluginv2.Resource/CallResource: the lists the query editor needs, as JSON (GET
/// /api/datasources/uid/&lt;uid&gt;/resources/&lt;path&gt;):
/// <c>connectors</c> (seen in the last 30 days, or <c>?from=&amp;to=</c> in epoch ms; <c>&amp;direction=</c>),
/// <c>directions</c>, <c>tls-versions</c>, <c>connector-types</c>, <c>query-types</c>.
/// </summary>
internal sealed class ResourceService(EngineCache engines, ILogger<ResourceService> logger) : Resource.ResourceBase
{
    /// <summary>Default window of the connector list: long enough to see quiet connectors.</summary>
    private static readonly TimeSpan ConnectorWindow = TimeSpan.FromDays(30);

    public override async Task CallResource(CallResourceRequest request, IServerStreamWriter<CallResourceResponse> responseStream, ServerCallContext context)
    {
        var (path, query) = Split(request.Path, request.Url);
        int code;
        string body;
        try
        {
            (code, body) = path switch
            {
                "directions" => (200, StringArray(Directions.All.Select(d => d.ToWire()))),
                "tls-versions" => (200, StringArray(TlsVersions.All.Select(v => v.ToWire()))),
                "connector-types" => (200, StringArray(ConnectorTypes.All.Select(t => t.ToWire()))),
                "query-types" => (200, StringArray(QueryTypes.WireNames)),
                "connectors" => (200, await ConnectorsAsync(request, query, context.CancellationToken).ConfigureAwait(false)),
                _ => (404, Error($"unknown resource '{path}': use connectors, directions, tls-versions, connector-types or query-types")),
            };
        }
        catch (PluginQueryException e)
        {
            (code, body) = (400, Error(e.Message));
        }
        catch (MailFlowQueryException e)
        {
            (code, body) = (DataService.StatusOf(e.Kind).Status, Error(e.Message));
        }

        if (code != 200)
        {
            PluginLog.ResourceFailed(logger, path, code);
        }

        var response = new CallResourceResponse { Code = code, Body = ByteString.CopyFromUtf8(body) };
        response.Headers["Content-Type"] = new StringList { Values = { "application/json" } };
        await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ConnectorsAsync(CallResourceRequest request, Dictionary<string, string> query, CancellationToken cancellationToken)
    {
        var engine = engines.Get(request.PluginContext?.DataSourceInstanceSettings).Engine;
        var to = Millis(query, "to") ?? DateTimeOffset.UtcNow;
        var from = Millis(query, "from") ?? to - ConnectorWindow;
        Direction? direction = null;
        if (query.TryGetValue("direction", out var text) && text.Length > 0)
        {
            direction = Directions.TryParseWire(text, out var parsed) ? parsed : throw new PluginQueryException($"unknown direction '{text}'");
        }

        var connectors = await engine.GetConnectorsAsync(new QueryFilter { From = from, To = to, Direction = direction }, cancellationToken).ConfigureAwait(false);
        return JsonText.Write(json =>
        {
            json.WriteStartArray();
            foreach (var connector in connectors.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Direction))
            {
                json.WriteStartObject();
                json.WriteString("name", connector.Name);
                json.WriteString("connectorType", connector.Type.ToWire());
                json.WriteString("direction", connector.Direction.ToWire());
                json.WriteBoolean("forcedTls", connector.ForcedTls);
                json.WriteNumber("messages", connector.Messages);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });
    }

    private static DateTimeOffset? Millis(Dictionary<string, string> query, string name) =>
        query.TryGetValue(name, out var text) && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    /// <summary>The resource name (no slashes, no query) and the query parameters (from the path or the URL).</summary>
    private static (string Path, Dictionary<string, string> Query) Split(string path, string url)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var queryText = url.Contains('?', StringComparison.Ordinal) ? url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
        var question = path.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            queryText = path[(question + 1)..];
            path = path[..question];
        }

        foreach (var pair in queryText.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            parameters[key] = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
        }

        return (path.Trim('/'), parameters);
    }

    private static string StringArray(IEnumerable<string> values) => JsonText.Write(json =>
    {
        json.WriteStartArray();
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    });

    private static string Error(string message) => JsonText.Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("error", message);
        json.WriteEndObject();
    });
}
