using System.Diagnostics;
using System.Globalization;
using NextStat.HistFactory;
using NextStat.Kernels.Benchmarks.Inference;
using NextStat.Kernels.Fitting;

namespace NextStat.Kernels.Benchmarks.HistFactory;

/// <summary>
/// value+gradient / value per call on the ATLAS workspaces, measured so that the speed of the machine cancels: rounds
/// of value calls and value+gradient calls alternate, each timed by the calling thread's CPU time, and the ratio is
/// the median of the per-round ratios. Two BenchmarkDotNet jobs run one method after the other, seconds apart; on a
/// shared or virtual machine the core's speed moves by tens of percent in that time (and process CPU time also
/// counts the runtime's background threads), which shows up in their ratio but not in this one.
/// </summary>
internal static class GradientCostRatio
{
    private const int Rounds = 41;
    private const int CallsPerRound = 500;

    public static void Run()
    {
        Console.WriteLine("| workspace | value µs | value+gradient µs | ratio (median over rounds) |");
        Console.WriteLine("|---|---:|---:|---:|");
        string fixtures = TwiceNllBenchmarks.FixtureDirectory();
        foreach (string name in InferenceWorkspaces.Atlas)
        {
            HistFactoryModel model = HistFactoryModel.Build(NextStat.HistFactory.Workspace.Load(Path.Combine(fixtures, "workspaces", name + ".json")));
            IObjectiveEvaluator evaluator = model.ObservedObjective.CreateEvaluator();
            double[] parameters = TwiceNllBenchmarks.RandomPoint(Path.Combine(fixtures, "results", name + ".json"));
            var gradient = new double[model.ParameterCount];

            // Long enough for the tiered JIT to reach its final code for both paths.
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed.TotalSeconds < 1.5)
            {
                evaluator.Value(parameters);
                evaluator.ValueAndGradient(parameters, gradient);
            }

            var value = new double[Rounds];
            var both = new double[Rounds];
            var ratio = new double[Rounds];
            for (int round = 0; round < Rounds; round++)
            {
                double start = CpuTimeClock.ThreadMicroseconds();
                for (int i = 0; i < CallsPerRound; i++)
                {
                    evaluator.Value(parameters);
                }

                double middle = CpuTimeClock.ThreadMicroseconds();
                for (int i = 0; i < CallsPerRound; i++)
                {
                    evaluator.ValueAndGradient(parameters, gradient);
                }

                double end = CpuTimeClock.ThreadMicroseconds();
                value[round] = (middle - start) / CallsPerRound;
                both[round] = (end - middle) / CallsPerRound;
                ratio[round] = (end - middle) / (middle - start);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {RoundStatistics.Median(value):F3} | {RoundStatistics.Median(both):F3} | {RoundStatistics.Median(ratio):F2} |"));
        }
    }
}
