using System.Globalization;

namespace MailFlow.Simulator;

/// <summary>
/// Runs the simulator: the backfill (history up to now, written at once), then the live part (each line written
/// when its time comes). A fresh output folder receives the backfill in a staging folder beside it, renamed into
/// place in one step, so that a follower started at any moment sees either nothing or the whole history with the
/// current files: the exporter's <c>run</c> reads everything present before it closes any minute, so nothing of
/// the history arrives late. A folder that already holds logs is resumed: no backfill, new lines appended.
/// </summary>
internal sealed class Simulation(SimulatorOptions options, TextWriter log, TimeProvider clock)
{
    private readonly Tally _tally = new();

    public Tally Tally => _tally;

    public async Task<int> RunAsync(CancellationToken stop)
    {
        var output = Path.GetFullPath(options.Output);
        var now = options.End ?? clock.GetUtcNow();
        var resume = Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any();
        var start = resume ? now : now - options.Backfill;

        // Resuming, the same seed would repeat the first run's ids: the start time is mixed in.
        var seed = resume ? HashCode.Combine(options.Seed, now.ToUnixTimeSeconds()) : options.Seed;
        var emit = new Emitter(options.Zone, _tally);
        var model = new MailFlowModel(seed, options.PeakPerHour, emit, start);
        var staging = resume ? output : $"{output.TrimEnd('/')}.backfill-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        if (!resume && Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        using var folder = new LogFolder(staging, options.EffectiveKeepDays, options.Zone);
        if (resume)
        {
            await log.WriteLineAsync($"{output} already holds logs: resuming them at the current time, no backfill.").ConfigureAwait(false);
        }
        else
        {
            Directory.CreateDirectory(staging);
            Drain(model, emit, folder, now, everything: options.End is not null);
            folder.CreateAll(now);
            folder.CloseOldDays();
            folder.Flush();
            if (Directory.Exists(output))
            {
                Directory.Delete(output); // Empty (checked above): the staging folder takes its place.
            }

            Directory.Move(staging, output);
            folder.Rebase(output);
            await log.WriteLineAsync(options.Backfill > TimeSpan.Zero
                ? string.Create(CultureInfo.InvariantCulture, $"backfill: {_tally.Messages} messages ({folder.Lines} lines) from {start:yyyy-MM-dd HH:mm} to {now:yyyy-MM-dd HH:mm} UTC written to {output}")
                : $"{output}: created, no backfill").ConfigureAwait(false);
        }

        if (options.End is null)
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"live: writing mail at the current time, {options.PeakPerHour} messages an hour at the weekday peak ({options.Zone.Id}), seed {options.Seed}; stop with Ctrl+C")).ConfigureAwait(false);
            var until = options.Duration is { } duration ? clock.GetUtcNow() + duration : DateTimeOffset.MaxValue;
            var before = _tally.Messages;
            await LiveAsync(model, emit, folder, until, stop).ConfigureAwait(false);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"live: {_tally.Messages - before} messages written; stopped")).ConfigureAwait(false);
        }

        folder.Flush();
        if (options.Summary is { } summary)
        {
            var temporary = summary + ".tmp";
            await File.WriteAllTextAsync(temporary, _tally.ToJson(start, options.End ?? clock.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
            File.Move(temporary, summary, overwrite: true);
        }

        return 0;
    }

    private async Task LiveAsync(MailFlowModel model, Emitter emit, LogFolder folder, DateTimeOffset until, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            if (now >= until)
            {
                break;
            }

            Drain(model, emit, folder, now, everything: false);
            folder.Flush();
            var next = emit.NextDue is { } due && due < model.NextArrival ? due : model.NextArrival;
            var wait = next - clock.GetUtcNow();
            wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
            try
            {
                await Task.Delay(wait, clock, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Stopping: the messages under way are completed (their last lines a second or two early), none left half written.
        Drain(model, emit, folder, clock.GetUtcNow(), everything: true, generate: false);
        folder.Flush();
    }

    /// <summary>Generates the arrivals up to <paramref name="until"/> and writes the lines due by then (all of them with <paramref name="everything"/>).</summary>
    private static void Drain(MailFlowModel model, Emitter emit, LogFolder folder, DateTimeOffset until, bool everything, bool generate = true)
    {
        while (generate && model.NextArrival < until)
        {
            // Lines due before the next arrival go first, so that each file runs forward in time.
            while (emit.TryTakeDue(model.NextArrival, out var line))
            {
                folder.Write(line);
            }

            model.GenerateNext();
        }

        while (emit.TryTakeDue(everything ? DateTimeOffset.MaxValue : until, out var line))
        {
            folder.Write(line);
        }
    }
}
