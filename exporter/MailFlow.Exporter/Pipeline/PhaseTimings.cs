using System.Diagnostics;
using System.Globalization;

namespace MailFlow.Exporter.Pipeline;

/// <summary>
/// Where a command's time goes, on standard error when <c>MAILFLOW_TIMINGS=1</c>: the start-up before the
/// command ran (process start to here), then each phase's wall and CPU time (all threads). For profiling a
/// whole process as users run it, where in-process benchmarks see only the warm parser.
/// </summary>
public sealed class PhaseTimings
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly List<string> _lines = [];
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _lastWall;
    private TimeSpan _lastCpu;

    private PhaseTimings()
    {
        _lastCpu = _process.TotalProcessorTime;
        var startup = DateTime.Now - _process.StartTime;
        _lines.Add(string.Create(CultureInfo.InvariantCulture, $"start-up (process start to the command) {startup.TotalMilliseconds:F0} ms wall, {_lastCpu.TotalMilliseconds:F0} ms CPU"));
    }

    /// <summary>A timer when <c>MAILFLOW_TIMINGS=1</c>, else null (and every call on it is skipped).</summary>
    public static PhaseTimings? FromEnvironment() =>
        Environment.GetEnvironmentVariable("MAILFLOW_TIMINGS") == "1" ? new PhaseTimings() : null;

    /// <summary>Ends the phase that started at the previous mark (or at creation).</summary>
    /// <param name="bytes">Input bytes the phase read, for its MB/s; 0 when it read none.</param>
    public void Mark(string phase, long bytes = 0)
    {
        _process.Refresh();
        var wall = _watch.Elapsed;
        var cpu = _process.TotalProcessorTime;
        var (phaseWall, phaseCpu) = (wall - _lastWall, cpu - _lastCpu);
        (_lastWall, _lastCpu) = (wall, cpu);
        var speed = bytes > 0 && phaseWall > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $", {bytes / phaseWall.TotalSeconds / 1e6:F0} MB/s") : "";
        _lines.Add(string.Create(CultureInfo.InvariantCulture, $"{phase} {phaseWall.TotalMilliseconds:F0} ms wall, {phaseCpu.TotalMilliseconds:F0} ms CPU{speed}"));
    }

    /// <summary>Writes the phases, one line each, to <paramref name="error"/>.</summary>
    public void Write(TextWriter error)
    {
        foreach (var line in _lines)
        {
            error.WriteLine("mailflow-exporter: timings: " + line);
        }
    }
}
