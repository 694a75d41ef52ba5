using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>Keeps every log message and every structured value logged, to check what reaches the logs.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

    public ILogger Logger() => new CapturingLogger(this);

    /// <summary>Everything logged, messages and values, as one text to search.</summary>
    public string AllText => string.Join("\n", Entries);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Entries.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    owner.Entries.Enqueue($"  {key}={value}");
                }
            }
        }
    }
}
