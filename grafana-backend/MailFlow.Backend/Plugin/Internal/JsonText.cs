using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MailFlow.Backend.Plugin.Internal;

/// <summary>
/// Small JSON texts written by hand (reflection-free, so the plugin publishes with Native AOT). Relaxed
/// escaping keeps quotes and comparison signs readable in executed InfluxQL and messages; the output is still
/// valid JSON (it is never embedded in HTML).
/// </summary>
internal static class JsonText
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
