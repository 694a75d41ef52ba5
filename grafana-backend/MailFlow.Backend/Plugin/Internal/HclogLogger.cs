using System.Globalization;
using System.Text.Json;

namespace MailFlow.Backend.Plugin.Internal;

/// <summary>
/// Writes log entries to stderr as hclog JSON lines (<c>@level</c>, <c>@message</c>, <c>@timestamp</c>, then the
/// structured arguments), the form Grafana parses from a plugin's stderr. Stdout is reserved for the handshake.
/// </summary>
internal sealed class HclogLoggerProvider : ILoggerProvider
{
    private readonly Stream _output;
    private readonly Lock _gate = new();
    private readonly LogLevel _minimum;

    public HclogLoggerProvider(Stream output, LogLevel minimum)
    {
        _output = output;
        _minimum = minimum;
    }

    public ILogger CreateLogger(string categoryName) => new HclogLogger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>The hclog level name; hclog has no "critical", so it becomes "error".</summary>
    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        _ => "error",
    };

    private void Write(LogLevel level, string category, string message, IReadOnlyList<KeyValuePair<string, object?>>? arguments, Exception? exception)
    {
        var buffer = new ArrayBufferWriterStream();
        using (var json = new Utf8JsonWriter(buffer, JsonText.Options))
        {
            json.WriteStartObject();
            json.WriteString("@level", LevelName(level));
            json.WriteString("@message", message);
            json.WriteString("@timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("@module", "mailflow");
            json.WriteString("logger", category);
            if (arguments is not null)
            {
                foreach (var (key, value) in arguments)
                {
                    if (key == "{OriginalFormat}" || key.StartsWith('@'))
                    {
                        continue;
                    }

                    json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                }
            }

            if (exception is not null)
            {
                // The message only: stack traces are for debug builds, not for an operator's log.
                json.WriteString("error", exception.GetType().Name + ": " + exception.Message);
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            _output.Write(buffer.WrittenSpan);
            _output.Flush();
        }
    }

    private sealed class HclogLogger(HclogLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= Minimum(category);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            provider.Write(logLevel, category, formatter(state, exception), state as IReadOnlyList<KeyValuePair<string, object?>>, exception);
        }

        private LogLevel Minimum(string name) =>
            // The framework's own chatter (routing, connections) only when something is wrong.
            name.StartsWith("Microsoft.", StringComparison.Ordinal) || name.StartsWith("Grpc.", StringComparison.Ordinal)
                ? (LogLevel)Math.Max((int)provider._minimum, (int)LogLevel.Warning)
                : provider._minimum;
    }

    /// <summary>A growable byte buffer usable as the <see cref="Utf8JsonWriter"/> target.</summary>
    private sealed class ArrayBufferWriterStream : System.Buffers.IBufferWriter<byte>
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _inner = new(256);

        public ReadOnlySpan<byte> WrittenSpan => _inner.WrittenSpan;

        public void Advance(int count) => _inner.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public void WriteByte(byte value)
        {
            _inner.GetSpan(1)[0] = value;
            _inner.Advance(1);
        }
    }
}

/// <summary>Parses the log level named by <c>MAILFLOW_LOG_LEVEL</c> (or Grafana's <c>GF_PLUGIN_LOG_LEVEL</c>).</summary>
internal static class HclogLevels
{
    public static LogLevel FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable("MAILFLOW_LOG_LEVEL") ?? Environment.GetEnvironmentVariable("GF_PLUGIN_LOG_LEVEL");
        return text?.Trim().ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "warn" or "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
    }
}
