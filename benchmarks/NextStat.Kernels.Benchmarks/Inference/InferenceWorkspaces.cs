using NextStat.HistFactory;
using NextStat.HistFactory.Inference;

namespace NextStat.Kernels.Benchmarks.Inference;

/// <summary>Loads the bundled pyhf fixture workspaces (tests/fixtures/pyhf) found by walking up to the solution.</summary>
internal static class InferenceWorkspaces
{
    /// <summary>The real ATLAS likelihoods of the fixtures, as the twice_nll and MLE-fit benchmarks sweep them.</summary>
    public static IEnumerable<string> Atlas { get; } =
    [
        "sbottom_regionA_1300_205_60",
        "sbottom_regionA_1400_950_60",
        "sbottom_regionA_1500_850_60",
        "sbottom_regionB_1400_550_60",
        "sbottom_regionC_1600_850_60",
        "atlas_susy_2018_04_staus_combined",
        "atlas_susy_2019_08_1lbb",
        "atlas_susy_2018_10_1ljets",
    ];

    public static HistFactoryInferenceModel Load(string name)
    {
        string path = Path.Combine(Root(), "tests", "fixtures", "pyhf", "workspaces", name + ".json");
        return HistFactoryModel.Build(Workspace.Load(path)).ForInference();
    }

    /// <summary>
    /// The best fit of <paramref name="name"/>'s model; a benchmark set-up stops on one that did not converge, as timing
    /// fits from or around it would then measure a failure path rather than the job.
    /// </summary>
    public static MleResult ConvergedFit(string name, HistFactoryInferenceModel model, InferenceOptions options)
    {
        MleResult mle = MaximumLikelihood.Fit(model, options);
        if (!mle.Converged)
        {
            throw new InvalidOperationException($"{name}: the best fit did not converge: {mle.Fit.Message}");
        }

        return mle;
    }

    private static string Root()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "NextStat.Kernels.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("NextStat.Kernels.sln not found above the benchmark's directory");
    }
}
