using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using NextStat.Kernels.Benchmarks.Inference;

namespace NextStat.Kernels.Benchmarks.HistFactory;

/// <summary>
/// twice_nll per call, or with <c>load</c> reading the workspace file and building the model, of two builds of the
/// HistFactory library, side by side in one process: each build's <c>NextStat.HistFactory.dll</c> and
/// <c>NextStat.Kernels.dll</c> load into their own <see cref="AssemblyLoadContext"/>, and rounds of calls alternate
/// between the two (which goes first alternates too), each timed by the calling thread's CPU time. A code change is
/// then judged by the median of the per-round ratios, which the machine's drift (tens of percent over seconds on a
/// virtual machine, more on memory-bound code) moves far less than it moves two separate runs. Both builds evaluate
/// the record's random point, and the table says whether they return the same bits.
/// </summary>
internal static class BuildComparison
{
    private const int Rounds = 41;
    private const int ValueCallsPerRound = 400;

    // A load of the largest workspace takes tens of milliseconds; five make a round long enough to time.
    private const int LoadCallsPerRound = 5;

    private delegate double ValueFunction(ReadOnlySpan<double> parameters);

    /// <summary>
    /// Compares the builds in <paramref name="before"/> and <paramref name="after"/> on <paramref name="only"/>'s
    /// workspaces, or on the ATLAS ones: twice_nll per call, or with <paramref name="load"/> the load and build.
    /// </summary>
    public static void Run(string before, string after, IReadOnlyCollection<string> only, bool load)
    {
        Console.WriteLine(load ? "Timed: reading the workspace file, validating it, building the model." : "Timed: twice_nll at the record's random point.");
        Console.WriteLine("| workspace | before µs | after µs | after / before (median over rounds, quartiles) | same value |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        var beforeBuild = new Build(before);
        var afterBuild = new Build(after);
        string fixtures = TwiceNllBenchmarks.FixtureDirectory();
        foreach (string name in InferenceWorkspaces.Atlas.Where(w => only.Count == 0 || only.Contains(w)))
        {
            string workspace = Path.Combine(fixtures, "workspaces", name + ".json");
            double[] parameters = TwiceNllBenchmarks.RandomPoint(Path.Combine(fixtures, "results", name + ".json"));
            ValueFunction first = beforeBuild.Evaluator(workspace);
            ValueFunction second = afterBuild.Evaluator(workspace);
            bool same = BitConverter.DoubleToInt64Bits(first(parameters)) == BitConverter.DoubleToInt64Bits(second(parameters));
            (Action timedBefore, Action timedAfter, int calls) = load
                ? ((Action)(() => beforeBuild.Evaluator(workspace)), (Action)(() => afterBuild.Evaluator(workspace)), LoadCallsPerRound)
                : (() => first(parameters), () => second(parameters), ValueCallsPerRound);

            // Long enough for the tiered JIT to reach its final code in both builds.
            double warmUpEnd = CpuTimeClock.ThreadMicroseconds() + 3e6;
            while (CpuTimeClock.ThreadMicroseconds() < warmUpEnd)
            {
                timedBefore();
                timedAfter();
            }

            var beforeTimes = new double[Rounds];
            var afterTimes = new double[Rounds];
            var ratio = new double[Rounds];
            for (int round = 0; round < Rounds; round++)
            {
                if (round % 2 == 0)
                {
                    beforeTimes[round] = Microseconds(timedBefore, calls);
                    afterTimes[round] = Microseconds(timedAfter, calls);
                }
                else
                {
                    afterTimes[round] = Microseconds(timedAfter, calls);
                    beforeTimes[round] = Microseconds(timedBefore, calls);
                }

                ratio[round] = afterTimes[round] / beforeTimes[round];
            }

            Array.Sort(ratio);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {RoundStatistics.Median(beforeTimes):F3} | {RoundStatistics.Median(afterTimes):F3} | {ratio[Rounds / 2]:F3} ({ratio[Rounds / 4]:F3}–{ratio[3 * Rounds / 4]:F3}) | {(same ? "yes" : "no")} |"));
        }
    }

    private static double Microseconds(Action call, int calls)
    {
        double start = CpuTimeClock.ThreadMicroseconds();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return (CpuTimeClock.ThreadMicroseconds() - start) / calls;
    }

    /// <summary>One build's HistFactory library, loaded apart from the one this program is built with.</summary>
    private sealed class Build
    {
        private readonly Assembly _histFactory;

        public Build(string directory)
        {
            string library = Path.Combine(directory, "NextStat.HistFactory.dll");
            if (!File.Exists(library))
            {
                throw new FileNotFoundException($"no NextStat.HistFactory.dll in '{directory}' (give a build's output folder)", library);
            }

            _histFactory = new Context(directory).LoadFromAssemblyPath(Path.GetFullPath(library));
        }

        /// <summary>A fresh evaluator of the workspace's observed-data objective, as its <c>Value</c> method: the file read and the model built anew.</summary>
        public ValueFunction Evaluator(string workspacePath)
        {
            Type workspaceType = Named("NextStat.HistFactory.Workspace");
            object workspace = workspaceType.GetMethod("Load", [typeof(string)])!.Invoke(null, [workspacePath])!;
            MethodInfo build = Named("NextStat.HistFactory.HistFactoryModel").GetMethods()
                .Single(m => m.Name == "Build" && m.GetParameters() is [{ } first, ..] && first.ParameterType == workspaceType);
            object model = build.Invoke(null, [workspace, .. build.GetParameters().Skip(1).Select(p => p.DefaultValue)])!;
            object objective = model.GetType().GetProperty("ObservedObjective")!.GetValue(model)!;
            object evaluator = objective.GetType().GetMethod("CreateEvaluator", System.Type.EmptyTypes)!.Invoke(objective, null)!;
            MethodInfo value = evaluator.GetType().GetInterfaces()
                .Single(i => i.FullName == "NextStat.Kernels.Fitting.IObjectiveEvaluator")
                .GetMethod("Value")!;
            return (ValueFunction)Delegate.CreateDelegate(typeof(ValueFunction), evaluator, value);
        }

        private Type Named(string name) => _histFactory.GetType(name, throwOnError: true)!;
    }

    /// <summary>Resolves the build's own assemblies from its folder and everything else (the framework) as usual.</summary>
    private sealed class Context(string directory) : AssemblyLoadContext(name: null)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string path = Path.Combine(directory, assemblyName.Name + ".dll");
            return assemblyName.Name is string name && name.StartsWith("NextStat.", StringComparison.Ordinal) && File.Exists(path)
                ? LoadFromAssemblyPath(Path.GetFullPath(path))
                : null;
        }
    }
}
