using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace NextStat.HistFactory;

/// <summary>
/// The <c>data</c> of a modifier as read. The shapes the schema defines (per-bin values, a pair of factors, a pair
/// of templates) are decoded while the file is read, before the modifier's type is known (pyhf's files put
/// <c>data</c> first); anything else is kept as JSON for validation to report against the type.
/// </summary>
[JsonConverter(typeof(ModifierPayloadConverter))]
public sealed class ModifierPayload
{
    private readonly JsonElement _other;

    internal ModifierPayload(object decoded) => Decoded = decoded;

    internal ModifierPayload(JsonElement other) => _other = other;

    /// <summary>The JSON kind of the payload.</summary>
    public JsonValueKind ValueKind => Decoded switch
    {
        null => _other.ValueKind,
        List<double> => JsonValueKind.Array,
        _ => JsonValueKind.Object,
    };

    /// <summary>A <see cref="List{T}"/> of values, a <see cref="NormSysData"/> or a <see cref="HistoSysData"/>; null for other JSON.</summary>
    internal object? Decoded { get; }

    /// <summary>The payload as JSON.</summary>
    public JsonElement ToJsonElement()
    {
        if (Decoded is null)
        {
            return _other;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            switch (Decoded)
            {
                case List<double> values:
                    WriteValues(writer, values);
                    break;
                case NormSysData factors:
                    WritePair(writer, "hi"u8, factors.Hi, "lo"u8, factors.Lo, WriteNumber);
                    break;
                case HistoSysData templates:
                    WritePair(writer, "hi_data"u8, templates.HiData, "lo_data"u8, templates.LoData, WriteValues);
                    break;
            }
        }

        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WritePair<T>(Utf8JsonWriter writer, ReadOnlySpan<byte> hiName, T hi, ReadOnlySpan<byte> loName, T lo, Action<Utf8JsonWriter, T> write)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(hiName);
        write(writer, hi);
        writer.WritePropertyName(loName);
        write(writer, lo);
        writer.WriteEndObject();
    }

    private static void WriteValues(Utf8JsonWriter writer, List<double> values)
    {
        writer.WriteStartArray();
        foreach (double value in values)
        {
            WriteNumber(writer, value);
        }

        writer.WriteEndArray();
    }

    // A number beyond a double's range reads as an infinity, which the writer refuses; spelled as such a number, it
    // reads back the same and validation names it.
    private static void WriteNumber(Utf8JsonWriter writer, double value)
    {
        if (double.IsInfinity(value))
        {
            writer.WriteRawValue(value > 0 ? "1e999"u8 : "-1e999"u8, skipInputValidation: true);
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }
}

/// <summary>
/// Reads a <see cref="ModifierPayload"/> in the serializer's pass over the file: a 1.2 MB workspace with 10,000
/// modifiers otherwise builds a JSON document per modifier and decodes each one again from it.
/// </summary>
internal sealed class ModifierPayloadConverter : JsonConverter<ModifierPayload>
{
    public override ModifierPayload Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Utf8JsonReader start = reader;
        object? decoded = reader.TokenType switch
        {
            JsonTokenType.StartArray => ReadValues(ref reader),
            JsonTokenType.StartObject => ReadPair(ref reader),
            _ => null,
        };
        if (decoded is not null)
        {
            return new ModifierPayload(decoded);
        }

        // Another shape: read it again as JSON, under the same options (duplicate properties are refused there too).
        reader = start;
        return new ModifierPayload(JsonMetadataServices.JsonElementConverter.Read(ref reader, typeof(JsonElement), options));
    }

    public override void Write(Utf8JsonWriter writer, ModifierPayload value, JsonSerializerOptions options) =>
        value.ToJsonElement().WriteTo(writer);

    // From a StartArray to its EndArray; null when an item is not a number.
    private static List<double>? ReadValues(ref Utf8JsonReader reader)
    {
        var values = new List<double>();
        while (reader.Read() && reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetDouble(out double value))
            {
                return null;
            }

            values.Add(value);
        }

        return reader.TokenType == JsonTokenType.EndArray ? values : null;
    }

    // {"hi", "lo"} numbers or {"hi_data", "lo_data"} arrays of numbers; null for any other object.
    private static object? ReadPair(ref Utf8JsonReader reader)
    {
        double? hi = null, lo = null;
        List<double>? hiData = null, loData = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool read = reader.ValueTextEquals("hi"u8) ? TryReadNumber(ref reader, ref hi)
                : reader.ValueTextEquals("lo"u8) ? TryReadNumber(ref reader, ref lo)
                : reader.ValueTextEquals("hi_data"u8) ? TryReadValues(ref reader, ref hiData)
                : reader.ValueTextEquals("lo_data"u8) && TryReadValues(ref reader, ref loData);
            if (!read)
            {
                return null;
            }
        }

        return (hi, lo, hiData, loData) switch
        {
            ({ } h, { } l, null, null) => new NormSysData { Hi = h, Lo = l },
            (null, null, { } h, { } l) => new HistoSysData { HiData = h, LoData = l },
            _ => null,
        };
    }

    private static bool TryReadNumber(ref Utf8JsonReader reader, ref double? slot)
    {
        ThrowIfSet(slot is not null, ref reader);
        if (reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double value))
        {
            slot = value;
            return true;
        }

        return false;
    }

    private static bool TryReadValues(ref Utf8JsonReader reader, ref List<double>? slot)
    {
        ThrowIfSet(slot is not null, ref reader);
        slot = reader.Read() && reader.TokenType == JsonTokenType.StartArray ? ReadValues(ref reader) : null;
        return slot is not null;
    }

    // The serializer adds the place to the message.
    private static void ThrowIfSet(bool set, ref Utf8JsonReader reader)
    {
        if (set)
        {
            throw new JsonException($"Duplicate property '{reader.GetString()}' encountered during deserialization.");
        }
    }
}
