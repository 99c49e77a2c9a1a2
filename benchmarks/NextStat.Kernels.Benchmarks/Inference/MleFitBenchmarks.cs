using BenchmarkDotNet.Attributes;
using NextStat.HistFactory.Inference;

namespace NextStat.Kernels.Benchmarks.Inference;

/// <summary>
/// One maximum-likelihood fit with uncertainties on every real ATLAS likelihood of the fixtures (60–167 parameters),
/// with 1 and 2 threads (the second computes Hessian rows): the target is 1/300 of pyhf's faster optimizer
/// (SLSQP, `timings.mle_fit_scipy` of tests/fixtures/pyhf/results/&lt;name&gt;.json; MINUIT's where SLSQP was not run).
/// </summary>
[MemoryDiagnoser]
public class MleFitBenchmarks
{
    private HistFactoryInferenceModel _model = null!;
    private InferenceOptions _options = null!;

    /// <summary>The workspace of this case.</summary>
    [ParamsSource(nameof(Workspaces))]
    public string Workspace { get; set; } = "";

    /// <summary>The ATLAS fixture workspaces.</summary>
    public static IEnumerable<string> Workspaces => InferenceWorkspaces.Atlas;

    /// <summary>Worker threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = InferenceWorkspaces.Load(Workspace);
        _options = new InferenceOptions { Threads = Threads };
        InferenceWorkspaces.ConvergedFit(Workspace, _model, _options);
    }

    /// <summary>One maximum-likelihood fit with uncertainties from the suggested start.</summary>
    [Benchmark]
    public double MleFit() => MaximumLikelihood.Fit(_model, _options).TwiceNll;
}
