using System.Globalization;
using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Pipeline;

/// <summary>
/// A one-line progress display on standard error, redrawn a few times a second, for long inputs read from a
/// terminal. Created only when standard error is a terminal, so redirected output stays clean.
/// </summary>
public sealed class BatchProgress : IDisposable
{
    private readonly long _totalBytes;
    private readonly int _totalInputs;
    private readonly Timer _timer;
    private readonly DateTime _started = DateTime.UtcNow;
    private long _finishedBytes;
    private int _finishedInputs;
    private readonly List<Slot> _active = [];

    private BatchProgress(IReadOnlyList<InputSource> inputs)
    {
        _totalInputs = inputs.Count;
        _totalBytes = inputs.Sum(input => input.IsStdin ? 0 : SafeLength(input));
        _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>A progress display when standard error is an interactive terminal, else null.</summary>
    public static BatchProgress? ForTerminal(IReadOnlyList<InputSource> inputs) =>
        Console.IsErrorRedirected || inputs.Count == 0 ? null : new BatchProgress(inputs);

    internal Slot Start(InputSource input)
    {
        var slot = new Slot(this);
        lock (_active)
        {
            _active.Add(slot);
        }

        return slot;
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_active)
        {
            Console.Error.Write("\r\u001b[K");
        }
    }

    private void Draw()
    {
        long bytes;
        lock (_active)
        {
            bytes = _finishedBytes + _active.Sum(slot => slot.Bytes);
            var seconds = Math.Max(0.001, (DateTime.UtcNow - _started).TotalSeconds);
            var percent = _totalBytes > 0 ? Math.Min(100, bytes * 100.0 / _totalBytes) : 0;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"\r\u001b[Kreading {_finishedInputs}/{_totalInputs} files, {bytes / 1e6:F1}/{_totalBytes / 1e6:F1} MB ({percent:F0}%), {bytes / 1e6 / seconds:F0} MB/s");
            Console.Error.Write(line);
        }
    }

    private static long SafeLength(InputSource input)
    {
        try
        {
            return input.Length ?? 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The progress of one input being read.</summary>
    internal sealed class Slot(BatchProgress owner)
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Report(long rawBytes) => Interlocked.Exchange(ref _bytes, rawBytes);

        public void Finish()
        {
            lock (owner._active)
            {
                owner._active.Remove(this);
                owner._finishedBytes += Bytes;
                owner._finishedInputs++;
            }
        }
    }
}
