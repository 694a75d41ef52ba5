using System.Collections.Concurrent;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Contracts.GrafanaPlugin;

using MailFlow.Questions;

namespace MailFlow.Backend.Plugin;

/// <summary>
/// One query engine (and its HTTP connection pool) per data source instance, keyed on uid and lastUpdatedMS:
/// saving the settings page changes lastUpdatedMS, so the next call builds a fresh engine with the new settings.
/// </summary>
internal sealed class EngineCache(ILoggerFactory loggers) : IDisposable
{
    /// <summary>How long a replaced engine lives on for calls still running on it.</summary>
    private static readonly TimeSpan RetireDelay = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<EngineCache>();

    /// <summary>The engine for these settings; throws <see cref="PluginQueryException"/> when they cannot work.</summary>
    public Entry Get(DataSourceInstanceSettings? settings)
    {
        var options = DataSourceSettings.ToInfluxOptions(settings);
        var thresholds = DataSourceSettings.ToInsightThresholds(settings!);
        var uid = string.IsNullOrEmpty(settings!.Uid) ? settings.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : settings.Uid;
        if (_entries.TryGetValue(uid, out var current) && current.LastUpdatedMs == settings.LastUpdatedMS)
        {
            return current;
        }

        var client = new InfluxQlClient(options, CoalescingHandler.Create(options.Timeout));
        var created = new Entry(settings.LastUpdatedMS, client, new MailFlowQueryEngine(client, loggers.CreateLogger<MailFlowQueryEngine>(), DataSourceSettings.ToEngineOptions(settings)), thresholds);
        var stored = _entries.AddOrUpdate(uid, created, (_, existing) => existing.LastUpdatedMs == settings.LastUpdatedMS ? existing : created);
        if (!ReferenceEquals(stored, created))
        {
            created.Client.Dispose();
            return stored;
        }

        PluginLog.EngineCreated(_logger, settings.Name, uid, options.Url.ToString(), DataSourceSettings.Version(settings));
        if (current is not null)
        {
            _ = RetireAsync(current);
        }

        return created;
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Client.Dispose();
        }

        _entries.Clear();
    }

    private static async Task RetireAsync(Entry entry)
    {
        await Task.Delay(RetireDelay).ConfigureAwait(false);
        entry.Client.Dispose();
    }

    /// <summary>A cached engine, the client it owns and the data source's insight thresholds.</summary>
    internal sealed record Entry(long LastUpdatedMs, InfluxQlClient Client, MailFlowQueryEngine Engine, InsightThresholds Thresholds);
}
