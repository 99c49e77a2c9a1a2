using BenchmarkDotNet.Attributes;
using NextStat.HistFactory;

namespace NextStat.Kernels.Benchmarks.HistFactory;

/// <summary>
/// Reading a pyhf workspace file, validating it and building its model: what every command and every job of an
/// array does before its first fit. The sample workspace and two ATLAS likelihoods of growing size (staus 0.3 MB,
/// 1Lbb 1.2 MB with 10,417 modifiers).
/// </summary>
[Config(typeof(TwiceNllBenchmarks.ShortInProcess))]
[MemoryDiagnoser]
public class WorkspaceLoadBenchmarks
{
    private string _path = "";

    [Params("sbottom_regionA_1300_205_60", "atlas_susy_2018_04_staus_combined", "atlas_susy_2019_08_1lbb")]
    public string Workspace { get; set; } = "";

    [GlobalSetup]
    public void Setup() => _path = Path.Combine(TwiceNllBenchmarks.FixtureDirectory(), "workspaces", Workspace + ".json");

    [Benchmark]
    public int LoadAndBuild() => HistFactoryModel.Build(NextStat.HistFactory.Workspace.Load(_path)).ParameterCount;
}
