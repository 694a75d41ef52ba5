using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Plugin.Frames;
using MailFlow.Backend.Plugin.Internal;
using MailFlow.Backend.Query;
using MailFlow.Contracts.GrafanaPlugin;

namespace MailFlow.Backend.Plugin.Services;

/// <summary>
/// pluginv2.Data/QueryData: every query of the request runs concurrently and answers on its own — a failing query
/// gets its error, status and error source while the others still return their frames.
/// </summary>
internal sealed class DataService(EngineCache engines, PluginMetrics metrics, ILogger<DataService> logger) : Data.DataBase
{
    public override async Task<QueryDataResponse> QueryData(QueryDataRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        EngineCache.Entry? engine = null;
        PluginQueryException? settingsError = null;
        try
        {
            engine = engines.Get(request.PluginContext?.DataSourceInstanceSettings);
            PhaseTimings.Phase("QueryData settings and engine", started);
        }
        catch (PluginQueryException e)
        {
            settingsError = e;
        }

        var answers = await Task.WhenAll(request.Queries.Select(query => AnswerAsync(query, engine, settingsError, context.CancellationToken))).ConfigureAwait(false);
        var response = new QueryDataResponse();
        for (var i = 0; i < answers.Length; i++)
        {
            response.Responses[request.Queries[i].RefId] = answers[i];
        }

        PluginLog.QueriesAnswered(logger, answers.Length, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        PhaseTimings.Phase("QueryData", started, $"{answers.Length} queries");
        return response;
    }

    private async Task<DataResponse> AnswerAsync(DataQuery dataQuery, EngineCache.Entry? engine, PluginQueryException? settingsError, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        PluginQueryType? type = null;
        try
        {
            if (settingsError is not null)
            {
                throw settingsError;
            }

            var range = dataQuery.TimeRange ?? new TimeRange();
            var query = PluginQuery.Parse(
                dataQuery.RefId,
                dataQuery.QueryType,
                dataQuery.Json.Span,
                DateTimeOffset.FromUnixTimeMilliseconds(range.FromEpochMS),
                DateTimeOffset.FromUnixTimeMilliseconds(range.ToEpochMS),
                dataQuery.MaxDataPoints,
                dataQuery.IntervalMS);
            type = query.Type;
            var entry = QueryTypes.Of(query.Type);
            PhaseTimings.Phase("query parse", started, dataQuery.RefId);
            var ran = Stopwatch.GetTimestamp();
            using var executed = ExecutedQueries.Begin(query.RefId, entry.WireName);
            var frames = await entry.RunAsync(new QueryRun(query, engine!.Engine, engine.Thresholds, () => executed.Text), cancellationToken).ConfigureAwait(false);
            PhaseTimings.Phase("query engine", ran, dataQuery.RefId + " " + entry.WireName);
            var encoded = Stopwatch.GetTimestamp();
            var response = new DataResponse { Status = 200 };
            foreach (var frame in frames)
            {
                frame.RefId = dataQuery.RefId;
                response.Frames.Add(UnsafeByteOperations.UnsafeWrap(ArrowFrameEncoder.Encode(frame)));
            }

            PhaseTimings.Phase("query Arrow encoding", encoded, $"{dataQuery.RefId} {frames.Count} frames");

            metrics.Record(type, ok: true, Stopwatch.GetElapsedTime(started));
            return response;
        }
        catch (PluginQueryException e)
        {
            return Failed(dataQuery, type, started, 400, "downstream", e.Message);
        }
        catch (MailFlowQueryException e)
        {
            var (status, source) = StatusOf(e.Kind);
            return Failed(dataQuery, type, started, status, source, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Failed(dataQuery, type, started, 499, "downstream", "the query was cancelled");
        }
#pragma warning disable CA1031 // One query's bug must not take the other queries of the panel down with it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Failed(dataQuery, type, started, 500, "plugin", $"internal error in the plugin ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>HTTP-like status and Grafana error source per engine failure: all but bugs are downstream.</summary>
    internal static (int Status, string Source) StatusOf(QueryErrorKind kind) => kind switch
    {
        QueryErrorKind.InvalidArgument => (400, "downstream"),
        QueryErrorKind.AuthRefused => (401, "downstream"),
        QueryErrorKind.DatabaseMissing => (404, "downstream"),
        QueryErrorKind.Unavailable => (503, "downstream"),
        QueryErrorKind.Timeout => (504, "downstream"),
        _ => (502, "downstream"),
    };

    private DataResponse Failed(DataQuery query, PluginQueryType? type, long started, int status, string source, string message)
    {
        metrics.Record(type, ok: false, Stopwatch.GetElapsedTime(started));
        PluginLog.QueryFailed(logger, query.RefId, type is { } t ? QueryTypes.Of(t).WireName : "invalid", message);
        return new DataResponse { Status = status, Error = message, ErrorSource = source };
    }
}
