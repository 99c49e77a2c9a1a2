using NextStat.HistFactory;
using NextStat.HistFactory.Inference;

namespace NextStat.Kernels.Benchmarks.Inference;

/// <summary>Loads the bundled pyhf fixture workspaces (tests/fixtures/pyhf) found by walking up to the solution.</summary>
internal static class InferenceWorkspaces
{
    public static HistFactoryInferenceModel Load(string name)
    {
        string path = Path.Combine(Root(), "tests", "fixtures", "pyhf", "workspaces", name + ".json");
        return HistFactoryModel.Build(Workspace.Load(path)).ForInference();
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
