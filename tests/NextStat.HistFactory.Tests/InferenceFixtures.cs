using System.Text.Json;

namespace NextStat.HistFactory.Tests;

/// <summary>The pyhf records as JSON trees, for the inference comparisons (located through <see cref="Fixtures"/>).</summary>
internal static class InferenceFixtures
{
    private static readonly Lazy<string> Root = new(() => Fixtures.PyhfDirectory);

    public static string WorkspacePath(string name) => Path.Combine(Root.Value, "workspaces", name + ".json");

    public static JsonElement Record(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root.Value, "results", name + ".json")));
        return document.RootElement.Clone();
    }

    public static JsonElement Toys(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root.Value, "results", name + ".toys.json")));
        return document.RootElement.Clone();
    }

    /// <summary>Names of every record (not the toy files, not the upstream check).</summary>
    public static IEnumerable<string> RecordNames() =>
        Directory.EnumerateFiles(Path.Combine(Root.Value, "results"), "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Select(name => name!)
            .Where(name => !name.EndsWith(".toys", StringComparison.Ordinal) && name != "upstream_check")
            .Order(StringComparer.Ordinal);

    public static double[] Doubles(this JsonElement element) => element.EnumerateArray().Select(ToDouble).ToArray();

    /// <summary>A JSON number, or NaN for null (pyhf writes None for undefined values).</summary>
    public static double ToDouble(this JsonElement element) => element.ValueKind == JsonValueKind.Number ? element.GetDouble() : double.NaN;

    public static bool Has(this JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind != JsonValueKind.Null;
}
