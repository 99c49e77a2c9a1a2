using System.Text;
using System.Text.Json;

namespace NextStat.Cli;

/// <summary>Writes a command's JSON result to stdout or to the <c>--output</c> file.</summary>
internal static class JsonOutput
{
    // Output is read by people and scripts, not embedded in HTML: relaxed escaping keeps "≤" and names readable.
    /// <summary>Builds the document with <paramref name="write"/> and sends it where the user asked.</summary>
    public static void Emit(CliContext context, string? outputPath, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }
        string text = Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
        if (outputPath is null)
        {
            context.Out.Write(text);
            context.Out.Flush();
            return;
        }
        try
        {
            File.WriteAllText(outputPath, text, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"cannot write --output {outputPath}: {e.Message}", e);
        }
    }

    /// <summary>A finite number, or null (JSON has no NaN or infinity).</summary>
    public static void Number(this Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A finite array element, or null.</summary>
    public static void NumberValue(this Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
