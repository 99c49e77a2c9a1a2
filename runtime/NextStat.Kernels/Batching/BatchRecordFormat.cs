using System.Buffers;
using System.Text.Json;

namespace NextStat.Kernels.Batching;

/// <summary>Writes and checks the per-item lines of a batch file.</summary>
/// <remarks>
/// A line is <c>{"index":…,"seed":…,"status":…,"twice_nll":…,"poi_hat":…,"iterations":…,"evaluations":…,
/// "values":[…],"uncertainties":[…]}</c>, or with <c>"error":"…"</c> for failed items. Numbers use the shortest text
/// that round-trips, non-finite numbers are written as <c>null</c>, so the same result always gives the same bytes.
/// </remarks>
public static class BatchRecordFormat
{
    /// <summary>
    /// Compact output with minimal escaping: files are data, never embedded in HTML, so names and messages stay
    /// readable ('+' in a version, non-ASCII in a message); the bytes are still fixed for given content.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The status names written to files.</summary>
    public static string StatusName(BatchItemStatus status) => status switch
    {
        BatchItemStatus.Converged => "converged",
        BatchItemStatus.NotConverged => "not_converged",
        BatchItemStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown status"),
    };

    /// <summary>Writes the line of item <paramref name="index"/> (without newline) to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, long index, ulong seed, BatchItemResult result, int poiIndex, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteNumber("seed", seed);
        w.WriteString("status", StatusName(result.Status));
        if (result.Status != BatchItemStatus.Failed)
        {
            w.WritePropertyName("twice_nll");
            Number(w, result.TwiceNll);
            if (poiIndex >= 0)
            {
                w.WritePropertyName("poi_hat");
                Number(w, result.Values is { } v && poiIndex < v.Count ? v[poiIndex] : double.NaN);
            }
            w.WriteNumber("iterations", result.Iterations);
            w.WriteNumber("evaluations", result.Evaluations);
            Array(w, "values", result.Values, parameterCount, index);
            Array(w, "uncertainties", result.Uncertainties, parameterCount, index);
        }
        if (result.Error is not null)
        {
            w.WriteString("error", result.Error);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Checks that <paramref name="line"/> is a complete record of item <paramref name="expectedIndex"/> with the seed
    /// <paramref name="expectedSeed"/>; returns a description of the problem, or <see langword="null"/> when it is.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> line, long expectedIndex, ulong expectedSeed)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "a record must be a JSON object";
            }
            long? index = null;
            ulong? seed = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    index = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("seed"u8))
                {
                    reader.Read();
                    seed = reader.GetUInt64();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return "the record is not one complete JSON object";
            }
            if (index != expectedIndex)
            {
                return index is null ? "the record has no index" : $"index {index} where {expectedIndex} was expected";
            }
            if (seed != expectedSeed)
            {
                return $"item {expectedIndex} has seed {seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, " +
                       $"but the header's seed gives {expectedSeed} (a record from another run?)";
            }
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return $"the record is not valid JSON ({e.Message})";
        }
    }

    /// <summary>The <c>index</c> field of a record line, or <see langword="null"/> when it has none.</summary>
    public static long? ReadIndex(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isIndex = reader.ValueTextEquals("index"u8);
                reader.Read();
                if (isIndex)
                {
                    return reader.GetInt64();
                }
                reader.Skip();
            }
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static void Number(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static void Array(Utf8JsonWriter w, string name, IReadOnlyList<double>? values, int expectedCount, long index)
    {
        if (values is null)
        {
            w.WriteNull(name);
            return;
        }
        if (values.Count != expectedCount)
        {
            throw new InvalidOperationException($"item {index}: {name} has {values.Count} entries, the header names {expectedCount} parameters");
        }
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            Number(w, v);
        }
        w.WriteEndArray();
    }
}
