using System.Globalization;
using System.Text;
using MailFlow.Simulator.Servers;

namespace MailFlow.Simulator;

/// <summary>
/// The output folder, one subfolder per format as in samples/logs/: <c>postfix/mail.log</c>, <c>sendmail/maillog</c>
/// and <c>exim/mainlog</c> rotated daily like logrotate (renamed to <c>.1</c>, older ones to <c>.2</c>..., a new file
/// opened), <c>exchange/SMTPRECVyyyyMMdd00-1.LOG</c> and <c>SMTPSENDyyyyMMdd00-1.LOG</c> one file per UTC day as
/// Exchange names them, <c>csv/mailflow-yyyyMMdd.csv</c> one export per day. A message's lines all go to the file
/// of the day it started: a file renamed by a rotation stays open for the lines of messages still under way, as
/// syslog keeps writing to the renamed file until it is told to reopen.
/// </summary>
internal sealed class LogFolder : IDisposable
{
    private readonly Dictionary<LogStream, LogFiles> _streams;

    public LogFolder(string root, int keepDays, TimeZoneInfo zone)
    {
        Root = root;
        Zone = zone;
        _streams = new()
        {
            [LogStream.Postfix] = new RotatedLog(this, "postfix", "mail.log", keepDays),
            [LogStream.Sendmail] = new RotatedLog(this, "sendmail", "maillog", keepDays),
            [LogStream.Exim] = new RotatedLog(this, "exim", "mainlog", keepDays),
            [LogStream.ExchangeReceive] = new DailyLog(this, "exchange", d => $"SMTPRECV{d:yyyyMMdd}00-1.LOG", keepDays, LogStream.ExchangeReceive),
            [LogStream.ExchangeSend] = new DailyLog(this, "exchange", d => $"SMTPSEND{d:yyyyMMdd}00-1.LOG", keepDays, LogStream.ExchangeSend),
            [LogStream.Csv] = new DailyLog(this, "csv", d => $"mailflow-{d:yyyyMMdd}.csv", keepDays, LogStream.Csv),
        };
    }

    /// <summary>The simulated zone: syslog files rotate at its midnight.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The folder written to (a staging folder while the backfill is written).</summary>
    public string Root { get; private set; }

    /// <summary>Lines written per stream, for the progress messages.</summary>
    public long Lines { get; private set; }

    /// <summary>Creates every format's folder and current file, so that a follower sees the whole layout at once.</summary>
    public void CreateAll(DateTimeOffset now)
    {
        foreach (var (stream, files) in _streams)
        {
            var day = stream is LogStream.ExchangeReceive or LogStream.ExchangeSend
                ? DateOnly.FromDateTime(now.UtcDateTime)
                : DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
            files.Touch(day, now);
        }
    }

    public void Write(ScheduledLine line)
    {
        _streams[line.Stream].Write(line.FileDay, line.Time, line.Text);
        Lines++;
    }

    public void Flush()
    {
        foreach (var files in _streams.Values)
        {
            files.Flush();
        }
    }

    /// <summary>Closes the files of past days (their modification time set to their last line's), keeping the current ones open.</summary>
    public void CloseOldDays()
    {
        foreach (var files in _streams.Values)
        {
            files.CloseOld();
        }
    }

    /// <summary>After the staging folder was renamed: the open files moved with it, only their paths change.</summary>
    public void Rebase(string root)
    {
        var old = Root;
        Root = root;
        foreach (var files in _streams.Values)
        {
            files.Rebase(old, root);
        }
    }

    public void Dispose()
    {
        foreach (var files in _streams.Values)
        {
            files.Dispose();
        }
    }

    /// <summary>One file being written: its path follows renames; closed files are reopened for late lines.</summary>
    private sealed class OpenLog(string path, DateOnly day, bool exchange)
    {
        private StreamWriter? _writer;

        public string Path { get; set; } = path;

        public DateOnly Day { get; } = day;

        public DateTimeOffset? LastLine { get; private set; }

        public void Write(string text, DateTimeOffset time, Func<DateTimeOffset, string>? header)
        {
            if (_writer is null)
            {
                var fresh = !File.Exists(Path) || new FileInfo(Path).Length == 0;
                var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                _writer = new StreamWriter(stream, exchange ? new UTF8Encoding(true) : new UTF8Encoding(false)) { NewLine = exchange ? "\r\n" : "\n" };
                if (fresh && header is not null)
                {
                    _writer.WriteLine(header(time));
                }
            }

            if (text.Length > 0)
            {
                _writer.WriteLine(text);
                LastLine = time;
            }
        }

        public void Flush() => _writer?.Flush();

        public void Close()
        {
            if (_writer is null)
            {
                return;
            }

            _writer.Dispose();
            _writer = null;
            if (LastLine is { } last && File.Exists(Path))
            {
                File.SetLastWriteTimeUtc(Path, last.UtcDateTime);
            }
        }
    }

    private abstract class LogFiles(LogFolder folder, string directory) : IDisposable
    {
        protected LogFolder Folder { get; } = folder;

        protected List<OpenLog> Files { get; } = [];

        protected string Directory => System.IO.Path.Combine(Folder.Root, directory);

        public abstract void Write(DateOnly day, DateTimeOffset time, string text);

        public void Touch(DateOnly day, DateTimeOffset time) => Write(day, time, "");

        public void Flush() => Files.ForEach(f => f.Flush());

        public void CloseOld()
        {
            var newest = Files.Count == 0 ? DateOnly.MinValue : Files.Max(f => f.Day);
            Files.Where(f => f.Day < newest).ToList().ForEach(f => f.Close());
        }

        public void Rebase(string oldRoot, string newRoot)
        {
            foreach (var file in Files)
            {
                file.Path = System.IO.Path.Combine(newRoot, System.IO.Path.GetRelativePath(oldRoot, file.Path));
            }
        }

        public void Dispose() => Files.ForEach(f => f.Close());

        /// <summary>Keeps the files of the last two days open; older ones are closed (and reopened if a late line comes).</summary>
        protected void CloseBefore(DateOnly day)
        {
            foreach (var file in Files.Where(f => f.Day < day.AddDays(-1)))
            {
                file.Close();
            }
        }
    }

    /// <summary>A syslog-style log rotated daily by rename: name, name.1, name.2...; at most keepDays rotations kept.</summary>
    private sealed class RotatedLog(LogFolder folder, string directory, string name, int keepDays) : LogFiles(folder, directory)
    {
        private OpenLog? _current;

        public override void Write(DateOnly day, DateTimeOffset time, string text)
        {
            if (_current is null)
            {
                System.IO.Directory.CreateDirectory(Directory);
                var path = System.IO.Path.Combine(Directory, name);

                // Resuming: the existing file belongs to the day it was last written.
                var existing = File.Exists(path) ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(new DateTimeOffset(File.GetLastWriteTimeUtc(path)), Folder.Zone).DateTime) : day;
                _current = new OpenLog(path, existing < day ? existing : day, exchange: false);
                Files.Add(_current);
            }

            if (day > _current.Day)
            {
                Rotate(day);
            }

            var target = day == _current.Day ? _current : Files.FirstOrDefault(f => f.Day == day) ?? _current;
            target.Write(text, time, header: null);
        }

        private void Rotate(DateOnly day)
        {
            var basePath = System.IO.Path.Combine(Directory, name);
            for (var n = keepDays; n >= 1; n--)
            {
                var from = $"{basePath}.{n.ToString(CultureInfo.InvariantCulture)}";
                if (!File.Exists(from))
                {
                    continue;
                }

                var open = Files.FirstOrDefault(f => f.Path == from);
                if (n == keepDays)
                {
                    open?.Close();
                    File.Delete(from);
                    if (open is not null)
                    {
                        Files.Remove(open);
                    }

                    continue;
                }

                var to = $"{basePath}.{(n + 1).ToString(CultureInfo.InvariantCulture)}";
                File.Move(from, to);
                if (open is not null)
                {
                    open.Path = to;
                }
            }

            if (File.Exists(basePath))
            {
                File.Move(basePath, basePath + ".1");
            }

            _current!.Path = basePath + ".1";
            _current = new OpenLog(basePath, day, exchange: false);
            Files.Add(_current);
            CloseBefore(day);
        }
    }

    /// <summary>One file per day, named by its date (Exchange protocol logs, the CSV exports); keepDays days kept.</summary>
    private sealed class DailyLog(LogFolder folder, string directory, Func<DateOnly, string> fileName, int keepDays, LogStream stream) : LogFiles(folder, directory)
    {
        public override void Write(DateOnly day, DateTimeOffset time, string text)
        {
            var file = Files.FirstOrDefault(f => f.Day == day);
            if (file is null)
            {
                System.IO.Directory.CreateDirectory(Directory);
                file = new OpenLog(System.IO.Path.Combine(Directory, fileName(day)), day, stream != LogStream.Csv);
                Files.Add(file);
                CloseBefore(day);
                Expire(day);
            }

            file.Write(text, time, Header);
        }

        private string Header(DateTimeOffset created) => stream == LogStream.Csv ? CsvGateway.Header : ExchangeServer.Header(stream, created);

        private void Expire(DateOnly today)
        {
            var oldest = fileName(today.AddDays(-keepDays));
            var current = fileName(today);
            var prefix = current[..current.IndexOf(today.ToString("yyyyMMdd", CultureInfo.InvariantCulture), StringComparison.Ordinal)];
            foreach (var path in System.IO.Directory.GetFiles(Directory))
            {
                var candidate = System.IO.Path.GetFileName(path);

                // Names of one log differ only in their date, so they sort by it.
                if (candidate.Length == oldest.Length && candidate.StartsWith(prefix, StringComparison.Ordinal)
                    && string.CompareOrdinal(candidate, oldest) < 0)
                {
                    var open = Files.FirstOrDefault(f => f.Path == path);
                    open?.Close();
                    File.Delete(path);
                    if (open is not null)
                    {
                        Files.Remove(open);
                    }
                }
            }

            Files.RemoveAll(f => f.Day < today.AddDays(-keepDays));
        }
    }
}
