using System.Diagnostics;
using MailFlow.Backend.Query;

namespace MailFlow.Backend.Plugin.Internal;

/// <summary>
/// Collects the InfluxQL the engine ran for one plugin query, for the frames' <c>executedQueryString</c>
/// (Grafana's query inspector). The engine records each statement on its activity (<c>db.query.text</c>); this
/// listens to those activities and hands each statement to the plugin activity it ran under, so the engine needs
/// no knowledge of Grafana.
/// </summary>
internal sealed class ExecutedQueries : IDisposable
{
    private const string SourceName = "MailFlow.Backend.Plugin";
    private const string StatementsProperty = "mailflow.statements";
    private static readonly ActivitySource Source = new(SourceName);
    private readonly ActivityListener _listener;

    public ExecutedQueries()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SourceName or QueryTelemetry.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts collecting for one query; the statements run until <see cref="Scope.Dispose"/> are kept.</summary>
    public static Scope Begin(string refId, string queryType)
    {
        var activity = Source.StartActivity("grafana.query", ActivityKind.Server);
        activity?.SetTag("grafana.ref_id", refId);
        activity?.SetTag("mailflow.query", queryType);
        activity?.SetCustomProperty(StatementsProperty, new List<string>());
        return new Scope(activity);
    }

    public void Dispose() => _listener.Dispose();

    private static void OnStopped(Activity activity)
    {
        if (activity.Source.Name != QueryTelemetry.Name || activity.GetTagItem("db.query.text") is not string statement)
        {
            return;
        }

        for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.GetCustomProperty(StatementsProperty) is List<string> statements)
            {
                lock (statements)
                {
                    statements.Add(statement);
                }

                return;
            }
        }
    }

    /// <summary>The collection for one query.</summary>
    internal readonly struct Scope(Activity? activity) : IDisposable
    {
        /// <summary>The statements so far, joined as InfluxQL allows (<c>;</c> and a line break); null when none.</summary>
        public string? Text
        {
            get
            {
                if (activity?.GetCustomProperty(StatementsProperty) is not List<string> statements)
                {
                    return null;
                }

                lock (statements)
                {
                    return statements.Count == 0 ? null : string.Join(";\n", statements);
                }
            }
        }

        public void Dispose() => activity?.Dispose();
    }
}
