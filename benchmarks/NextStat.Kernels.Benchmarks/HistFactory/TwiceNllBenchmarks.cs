using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NextStat.HistFactory;
using NextStat.Kernels.Benchmarks.Inference;
using NextStat.Kernels.Fitting;

namespace NextStat.Kernels.Benchmarks.HistFactory;

/// <summary>
/// twice_nll and value+gradient per call on the real (ATLAS) workspaces of the pyhf fixtures, single thread, at
/// pyhf's random point of each record. pyhf 0.7.6's own per-call time is in the record (timings.twice_nll_eval);
/// benchmarks/RESULTS.histfactory.md puts both side by side.
/// </summary>
[Config(typeof(ShortInProcess))]
[MemoryDiagnoser]
public class TwiceNllBenchmarks
{
    private IObjectiveEvaluator _evaluator = null!;
    private double[] _parameters = [];
    private double[] _gradient = [];

    [ParamsSource(nameof(Workspaces))]
    public string Workspace { get; set; } = "";

    /// <summary>The ATLAS fixture workspaces.</summary>
    public static IEnumerable<string> Workspaces => InferenceWorkspaces.Atlas;

    [GlobalSetup]
    public void Setup()
    {
        string fixtures = FixtureDirectory();
        HistFactoryModel model = HistFactoryModel.Build(NextStat.HistFactory.Workspace.Load(Path.Combine(fixtures, "workspaces", Workspace + ".json")));
        _evaluator = model.ObservedObjective.CreateEvaluator();
        _parameters = RandomPoint(Path.Combine(fixtures, "results", Workspace + ".json"));
        _gradient = new double[model.ParameterCount];
    }

    [Benchmark(Baseline = true)]
    public double TwiceNll() => _evaluator.Value(_parameters);

    [Benchmark]
    public double TwiceNllAndGradient() => _evaluator.ValueAndGradient(_parameters, _gradient);

    /// <summary>
    /// BenchmarkDotNet's short job, run in process: building a separate benchmark executable can exceed
    /// BenchmarkDotNet's build timeout on a busy machine, and the measured code is the same either way. Workspace
    /// names are shown in full (the sbottom points differ only in their middle).
    /// </summary>
    internal sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess()
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
            SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(40);
        }
    }

    internal static double[] RandomPoint(string recordPath)
    {
        using var record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(recordPath));
        return [.. record.RootElement.GetProperty("random_point").GetProperty("pars").EnumerateArray().Select(e => e.GetDouble())];
    }

    internal static string FixtureDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NextStat.Kernels.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "fixtures", "pyhf");
            }
        }

        throw new InvalidOperationException($"no NextStat.Kernels.sln above {AppContext.BaseDirectory}");
    }
}
