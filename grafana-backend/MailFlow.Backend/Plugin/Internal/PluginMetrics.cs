using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MailFlow.Backend.Plugin.Internal;

/// <summary>
/// The plugin's metrics in Prometheus text format, for Grafana's CollectMetrics (Grafana serves them at
/// /metrics/plugins/&lt;id&gt;): standard process_* metrics, .NET runtime figures and per-query-type counters.
/// </summary>
internal sealed class PluginMetrics
{
    private readonly long[,] _queries = new long[QueryTypes.All.Count + 1, 2];
    private readonly long[] _queryMicros = new long[QueryTypes.All.Count + 1];

    /// <summary>Counts one answered query; <paramref name="type"/> null = the model could not be parsed.</summary>
    public void Record(PluginQueryType? type, bool ok, TimeSpan elapsed)
    {
        var index = type is { } t ? (int)t : QueryTypes.All.Count;
        Interlocked.Increment(ref _queries[index, ok ? 0 : 1]);
        Interlocked.Add(ref _queryMicros[index], (long)elapsed.TotalMicroseconds);
    }

    public string Render()
    {
        var text = new StringBuilder(2048);
        using var process = Process.GetCurrentProcess();
        Gauge(text, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.TotalProcessorTime.TotalSeconds);
        Gauge(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Gauge(text, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualMemorySize64);
        Gauge(text, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
            (process.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds);
        Gauge(text, "process_open_fds", "gauge", "Number of open file descriptors.", OpenFileDescriptors());
        Gauge(text, "process_threads", "gauge", "Number of OS threads in the process.", process.Threads.Count);
        Gauge(text, "dotnet_gc_heap_size_bytes", "gauge", "Bytes currently allocated on the managed heap.", GC.GetTotalMemory(false));
        Gauge(text, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since start.", GC.GetTotalAllocatedBytes());
        text.Append("# HELP dotnet_gc_collections_total Garbage collections since start, per generation.\n# TYPE dotnet_gc_collections_total counter\n");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_collections_total{{generation=\"{generation}\"}} {GC.CollectionCount(generation)}\n");
        }

        text.Append("# HELP mailflow_plugin_queries_total Queries answered, by query type and outcome.\n# TYPE mailflow_plugin_queries_total counter\n");
        for (var index = 0; index <= QueryTypes.All.Count; index++)
        {
            var name = index < QueryTypes.All.Count ? QueryTypes.All[index].WireName : "invalid";
            text.Append(CultureInfo.InvariantCulture, $"mailflow_plugin_queries_total{{query_type=\"{name}\",outcome=\"ok\"}} {Interlocked.Read(ref _queries[index, 0])}\n");
            text.Append(CultureInfo.InvariantCulture, $"mailflow_plugin_queries_total{{query_type=\"{name}\",outcome=\"error\"}} {Interlocked.Read(ref _queries[index, 1])}\n");
        }

        text.Append("# HELP mailflow_plugin_query_seconds_total Time spent answering queries, by query type.\n# TYPE mailflow_plugin_query_seconds_total counter\n");
        for (var index = 0; index <= QueryTypes.All.Count; index++)
        {
            var name = index < QueryTypes.All.Count ? QueryTypes.All[index].WireName : "invalid";
            text.Append(CultureInfo.InvariantCulture, $"mailflow_plugin_query_seconds_total{{query_type=\"{name}\"}} {Interlocked.Read(ref _queryMicros[index]) / 1e6}\n");
        }

        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string type, string help, double value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static int OpenFileDescriptors()
    {
        try
        {
            return Directory.GetFiles("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
