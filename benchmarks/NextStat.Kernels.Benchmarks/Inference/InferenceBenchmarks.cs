using BenchmarkDotNet.Attributes;
using NextStat.HistFactory.Inference;
using NextStat.Kernels.Fitting;

namespace NextStat.Kernels.Benchmarks.Inference;

/// <summary>
/// The inference jobs on real ATLAS likelihoods and the plan's 100-NP benchmark model, single-threaded and on two
/// threads side by side: one MLE fit with uncertainties, a 21-point profile scan, the ranking of every nuisance
/// parameter, and 100 toy fits. Compare with the pyhf timings in tests/fixtures/pyhf/results/&lt;name&gt;.json.
/// </summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private HistFactoryInferenceModel _model = null!;
    private InferenceOptions _options = null!;
    private MleResult _mle = null!;
    private double[] _grid = [];

    /// <summary>
    /// The ATLAS likelihoods whose pyhf records time scans, rankings and toys (60–126 parameters; 1L+jets has only a
    /// best-fit record) and the plan's "100 NP" model (101 parameters). The MLE fit of every ATLAS workspace is in
    /// <see cref="MleFitBenchmarks"/>.
    /// </summary>
    [Params("sbottom_regionA_1300_205_60", "sbottom_regionB_1400_550_60", "sbottom_regionC_1600_850_60",
        "atlas_susy_2018_04_staus_combined", "atlas_susy_2019_08_1lbb", "benchmark_poisson_100bins")]
    public string Workspace { get; set; } = "";

    /// <summary>Worker threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = InferenceWorkspaces.Load(Workspace);
        _options = new InferenceOptions { Threads = Threads };
        _mle = InferenceWorkspaces.ConvergedFit(Workspace, _model, _options);

        // pyhf's records scan from 0 to about 1.0 (21 points); the same grid here.
        _grid = ProfileScan.Grid(0, 1, 21);
    }

    /// <summary>One maximum-likelihood fit with uncertainties (Hessian columns on the worker threads).</summary>
    [Benchmark]
    public double MleFit() => MaximumLikelihood.Fit(_model, _options).TwiceNll;

    /// <summary>A 21-point profile scan of the POI (best fit given, as pyhf's scan timing excludes it).</summary>
    [Benchmark]
    public double Scan21() => ProfileScan.Run(_model, _grid, _options, _mle).Points[^1].TwiceNll;

    /// <summary>Ranking of every free nuisance parameter (post- and pre-fit impacts).</summary>
    [Benchmark]
    public int RankingAll() => Ranking.Run(_model, _options, _mle).Entries.Count;

    /// <summary>100 toys drawn at the best fit, each fitted (without uncertainties, as pyhf's toy timing).</summary>
    [Benchmark]
    public int Toys100()
    {
        FitResult[] fits = ToyStudy.Run(_model, _mle.Fit.Parameters, 1, 0, 100, _options with { Fit = _options.Fit with { ComputeUncertainties = false } }, _mle.Fit.Covariance);
        return fits.Count(f => f.Converged);
    }
}
