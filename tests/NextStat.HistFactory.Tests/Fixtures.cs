using System.Collections.Concurrent;
using System.Text.Json;
using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>
/// Locates the pyhf fixtures (tests/fixtures/pyhf, copied into the repository with their provenance in its README)
/// by walking up from the test assembly to the directory holding NextStat.Kernels.sln, and caches parsed files.
/// </summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);
    private static readonly ConcurrentDictionary<string, Lazy<Workspace>> Workspaces = new();
    private static readonly ConcurrentDictionary<string, Lazy<HistFactoryModel>> Models = new();
    private static readonly ConcurrentDictionary<string, Lazy<PyhfRecord>> Records = new();

    public static string PyhfDirectory => Path.Combine(Root.Value, "tests", "fixtures", "pyhf");

    public static string WorkspacePath(string name) => Path.Combine(PyhfDirectory, "workspaces", name + ".json");

    public static string RawPath(string file) => Path.Combine(PyhfDirectory, "raw", file);

    /// <summary>Names of the workspaces that have a pyhf record.</summary>
    public static IEnumerable<string> RecordNames() =>
        Directory.EnumerateFiles(Path.Combine(PyhfDirectory, "results"), "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(n => !n.EndsWith(".toys", StringComparison.Ordinal) && n != "upstream_check")
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> RecordNameData() => [.. RecordNames()];

    public static Workspace Workspace(string name) =>
        Workspaces.GetOrAdd(name, n => new Lazy<Workspace>(() => NextStat.HistFactory.Workspace.Load(WorkspacePath(n)))).Value;

    public static HistFactoryModel Model(string name) =>
        Models.GetOrAdd(name, n => new Lazy<HistFactoryModel>(() => HistFactoryModel.Build(Workspace(n), Record(n).Measurement))).Value;

    public static PyhfRecord Record(string name) =>
        Records.GetOrAdd(name, n => new Lazy<PyhfRecord>(() => PyhfRecord.Load(Path.Combine(PyhfDirectory, "results", n + ".json")))).Value;

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NextStat.Kernels.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no NextStat.Kernels.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>The fields of a pyhf reference record (schema pyhf_ref/1) the model tests compare against.</summary>
internal sealed class PyhfRecord
{
    private PyhfRecord(JsonElement root)
    {
        JsonElement model = root.GetProperty("model");
        Measurement = model.GetProperty("measurement").GetString()!;
        ParNames = [.. model.GetProperty("par_names").EnumerateArray().Select(e => e.GetString()!)];
        PoiIndex = model.GetProperty("poi_index").ValueKind == JsonValueKind.Number ? model.GetProperty("poi_index").GetInt32() : -1;
        Parameters = [.. model.GetProperty("parameters").EnumerateArray()];
        SuggestedInit = Doubles(model.GetProperty("suggested_init"));
        SuggestedFixed = [.. model.GetProperty("suggested_fixed").EnumerateArray().Select(e => e.GetBoolean())];
        SuggestedBounds = [.. model.GetProperty("suggested_bounds").EnumerateArray().Select(e => (e[0].GetDouble(), e[1].GetDouble()))];
        ObservedMain = Doubles(root.GetProperty("data").GetProperty("observed_main"));
        AuxData = Doubles(root.GetProperty("data").GetProperty("auxdata"));
        Init = new Point(root.GetProperty("init"));
        Random = new Point(root.GetProperty("random_point"));
        TwiceNllSeconds = root.GetProperty("timings").GetProperty("twice_nll_eval").GetProperty("median_s").GetDouble();
    }

    public string Measurement { get; }

    public string[] ParNames { get; }

    public int PoiIndex { get; }

    public JsonElement[] Parameters { get; }

    public double[] SuggestedInit { get; }

    public bool[] SuggestedFixed { get; }

    public (double Lower, double Upper)[] SuggestedBounds { get; }

    public double[] ObservedMain { get; }

    public double[] AuxData { get; }

    public Point Init { get; }

    public Point Random { get; }

    public double TwiceNllSeconds { get; }

    public static PyhfRecord Load(string path)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return new PyhfRecord(document.RootElement.Clone());
    }

    public static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    internal sealed class Point(JsonElement point)
    {
        public double[] Pars { get; } = Doubles(point.GetProperty("pars"));

        public double TwiceNll { get; } = point.GetProperty("twice_nll").GetDouble();

        public double[] ExpectedMain { get; } = Doubles(point.GetProperty("expected_main"));
    }
}
