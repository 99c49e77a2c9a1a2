using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>
/// The workspace reader decodes a modifier's <c>data</c> while it reads the file, before it knows the modifier's type.
/// Whatever the payload, a workspace must then behave as the serializer's own decoding of that payload for the type
/// says: rejected at the payload's place when the serializer rejects it (or a property is given twice), otherwise
/// exactly like the workspace written with the decoded value (same error, or the same model).
/// </summary>
public sealed class ModifierPayloadTests
{
    private const string DataPath = "$.channels[0].samples[1].modifiers[0].data";

    // Reflection-based and independent of the reader: the schema's types with the reader's strictness.
    private static readonly JsonSerializerOptions Reference = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
    };

    [Property(Arbitrary = [typeof(PayloadArbitraries)], MaxTest = 600)]
    public void AWorkspaceBehavesAsTheSerializersDecodingOfItsPayload(Payload payload)
    {
        object? decoded;
        try
        {
            using JsonDocument once = JsonDocument.Parse(payload.Json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            decoded = payload.Type switch
            {
                "normsys" => JsonSerializer.Deserialize<NormSysData>(payload.Json, Reference),
                "histosys" => JsonSerializer.Deserialize<HistoSysData>(payload.Json, Reference),
                _ => JsonSerializer.Deserialize<List<double>>(payload.Json, Reference),
            };
        }
        catch (JsonException)
        {
            decoded = null;
        }

        string? error = Outcome(payload.Type, payload.Json, out double? value);
        if (decoded is null)
        {
            Assert.NotNull(error);
            Assert.StartsWith($"bad.json: {DataPath}", error, StringComparison.Ordinal);
            return;
        }

        string canonical = decoded switch
        {
            NormSysData d => $"{{\"hi\": {Number(d.Hi)}, \"lo\": {Number(d.Lo)}}}",
            HistoSysData d => $"{{\"hi_data\": {Numbers(d.HiData)}, \"lo_data\": {Numbers(d.LoData)}}}",
            _ => Numbers((List<double>)decoded),
        };
        string? canonicalError = Outcome(payload.Type, canonical, out double? canonicalValue);
        Assert.Equal(canonicalError, error);
        Assert.Equal(canonicalValue, value);
    }

    [Fact]
    public void TheShapesOfTheSchemaAreReadAsTheyAre()
    {
        Assert.Null(Outcome("normsys", """{"lo": 0.9, "hi": 1.2}""", out double? normsys));
        Assert.Null(Outcome("normsys", """{"hi": 1.2, "lo": 0.9, "note": [1, "x"]}""", out double? noted));
        Assert.Equal(normsys, noted);
        Assert.Null(Outcome("histosys", """{"lo_data": [40, 50], "hi_data": [60, 70.5]}""", out double? histosys));
        Assert.NotEqual(normsys, histosys);
        Assert.Null(Outcome("staterror", "[1.5, 2]", out _));
        Assert.Contains("data does not match the schema", Outcome("normsys", """{"hi": 1.2, "lo": "0.9"}""", out _), StringComparison.Ordinal);
        Assert.Contains("data does not match the schema", Outcome("staterror", """[1.5, null]""", out _), StringComparison.Ordinal);
    }

    // JSON has no infinity; a number too large for a double reads as one.
    private static string Number(double value) => double.IsInfinity(value)
        ? (value > 0 ? "1e999" : "-1e999")
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Numbers(List<double> values) => $"[{string.Join(", ", values.Select(Number))}]";

    // The workspace's error message, or null with twice_nll at a fixed point when it builds.
    private static string? Outcome(string type, string data, out double? twiceNll)
    {
        string text = $$$"""
            {
              "channels": [{"name": "SR", "samples": [
                {"name": "signal", "data": [5.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
                {"name": "bkg", "data": [50.0, 60.0], "modifiers": [{"data": {{{data}}}, "name": "unc", "type": "{{{type}}}"}]}
              ]}],
              "observations": [{"name": "SR", "data": [55.0, 70.0]}],
              "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
              "version": "1.0.0"
            }
            """;
        twiceNll = null;
        try
        {
            HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(text, "bad.json"));
            double[] at = [.. model.ParameterNames.Select((_, i) => 0.9 + (0.05 * i))];
            twiceNll = model.TwiceNll(at);
            return null;
        }
        catch (WorkspaceException e)
        {
            return e.Message;
        }
    }
}

/// <summary>A modifier type and a JSON payload for it.</summary>
public sealed record Payload(string Type, string Json);

/// <summary>
/// Payloads of every shape the reader tells apart: arrays of numbers (some out of range or negative), objects with
/// the schema's keys, other keys, keys given twice, values of the wrong kind, and other JSON values.
/// </summary>
public static class PayloadArbitraries
{
    public static Arbitrary<Payload> Payloads()
    {
        Gen<string> number = Gen.OneOf(
            Gen.Choose(-3, 200).Select(i => (i / 2.0).ToString("R", CultureInfo.InvariantCulture)),
            Gen.Elements("0", "-0.0", "1e999", "-1e999", "1E-320", "7", "1.000000000000000000001"));
        // Mostly the two bins of the test's channel, so that payloads also get past the bin count.
        Gen<string> numbers = Gen.Frequency((1, Gen.Choose(0, 3)), (3, Gen.Constant(2))).SelectMany(n => number.ArrayOf(n)).Select(a => $"[{string.Join(", ", a)}]");
        Gen<string> other = Gen.Elements("\"1.0\"", "null", "true", "{}", "[[1.0, 2.0]]", "[1.0, \"x\"]", "[1.0, null]");
        Gen<string> value = Gen.Frequency((4, number), (4, numbers), (1, other));
        Gen<string> key = Gen.Elements("hi", "lo", "hi_data", "lo_data", "hi", "lo", "hi_data", "lo_data", "note", "HI");
        Gen<string> property = key.SelectMany(k => value.Select(v => $"\"{k}\": {v}"));
        Gen<string> pairs = Gen.OneOf(
            Gen.Elements("\"hi\"", "\"lo\"").SelectMany(_ => number.Two()).Select(t => $"{{\"hi\": {t.Item1}, \"lo\": {t.Item2}}}"),
            numbers.Two().Select(t => $"{{\"hi_data\": {t.Item1}, \"lo_data\": {t.Item2}}}"),
            Gen.Choose(0, 4).SelectMany(n => property.ArrayOf(n)).Select(p => $"{{{string.Join(", ", p)}}}"));
        Gen<string> json = Gen.Frequency((3, numbers), (4, pairs), (1, other), (1, number));
        Gen<string> type = Gen.Elements("normsys", "histosys", "staterror", "shapesys");
        return type.SelectMany(t => json.Select(j => new Payload(t, j))).ToArbitrary();
    }
}
