using System.Diagnostics;
using System.Globalization;

namespace NextStat.Kernels.Benchmarks.Inference;

/// <summary>
/// Two threads against one for the batch jobs of <see cref="InferenceBenchmarks"/> (scan, ranking, toys), measured so
/// that the speed of the machine cancels: rounds run the job on one thread and on two, one right after the other
/// (alternating which goes first), in wall-clock time, and the ratio is the median of the per-round ratios.
/// BenchmarkDotNet runs the one-thread and two-thread cases tens of seconds apart; on a virtual machine whose host
/// speed moves by tens of percent over seconds that gap shows up in their ratio (up to 2.5× on two cores, which no
/// program can reach) but not in this one.
/// </summary>
internal static class ThreadScalingRatio
{
    private const int Rounds = 21;

    /// <summary>Warm-up per job and thread count: long enough for the tiered JIT to reach its final code.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    public static void Run()
    {
        Console.WriteLine("| job | workspace | 1 thread ms | 2 threads ms | ratio (median over rounds) |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (string workspace in new[] { "sbottom_regionA_1300_205_60", "sbottom_regionB_1400_550_60", "sbottom_regionC_1600_850_60",
            "atlas_susy_2018_04_staus_combined", "atlas_susy_2019_08_1lbb", "benchmark_poisson_100bins" })
        {
            InferenceBenchmarks one = Prepare(workspace, 1);
            InferenceBenchmarks two = Prepare(workspace, 2);
            Measure("21-point scan", workspace, () => one.Scan21(), () => two.Scan21());
            Measure("ranking, all NPs", workspace, () => one.RankingAll(), () => two.RankingAll());
            Measure("100 toys", workspace, () => one.Toys100(), () => two.Toys100());
        }
    }

    private static InferenceBenchmarks Prepare(string workspace, int threads)
    {
        var benchmarks = new InferenceBenchmarks { Workspace = workspace, Threads = threads };
        benchmarks.Setup();
        return benchmarks;
    }

    private static void Measure(string job, string workspace, Action oneThread, Action twoThreads)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < WarmUp)
        {
            oneThread();
            twoThreads();
        }

        var one = new double[Rounds];
        var two = new double[Rounds];
        var ratio = new double[Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            if (round % 2 == 0)
            {
                one[round] = Milliseconds(oneThread);
                two[round] = Milliseconds(twoThreads);
            }
            else
            {
                two[round] = Milliseconds(twoThreads);
                one[round] = Milliseconds(oneThread);
            }

            ratio[round] = one[round] / two[round];
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {job} | {workspace} | {Median(one):F2} | {Median(two):F2} | {Median(ratio):F2}× |"));
    }

    private static double Milliseconds(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
