using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using NextStat.Kernels.Fitting;

namespace NextStat.Kernels.Benchmarks.Inference;

/// <summary>
/// Two threads against one for the batch jobs of <see cref="InferenceBenchmarks"/> (scan, ranking, toys), measured so
/// that the speed of the machine cancels: rounds run the job on one thread and on two, one right after the other
/// (alternating which goes first), in wall-clock time, and the ratio is the median of the per-round ratios.
/// BenchmarkDotNet runs the one-thread and two-thread cases tens of seconds apart; on a virtual machine whose host
/// speed moves by tens of percent over seconds that gap shows up in their ratio (up to 2.5× on two cores, which no
/// program can reach) but not in this one.
/// </summary>
/// <remarks>
/// Each round also runs a <see cref="MachineControl"/> of the same length on one and on two threads, right next to the
/// job's runs and started the same way: what two threads give at that moment to work that loses nothing by running
/// in parallel. A round's efficiency (job ratio / control ratio) is then what the job itself loses, and the job's
/// ratio over the rounds in which the control reached <see cref="ControlFast"/> is what it reaches when the machine
/// gives both cores. The control touches no memory, so it does not see other processes slowing a job through the
/// shared caches and memory: on a loaded machine that slows the one-thread run (the other core is someone else's)
/// more than the two-thread run, and job ratios above 2 with efficiencies above 1 are the sign. A second control of the
/// same kind loads from each core's own L1 cache instead: on this node the host at times slows one vCPU's loads but not
/// its register arithmetic, and the jobs' ratios then follow the L1 control's (its columns: its ratio, the job's ratio
/// over it, and the job's ratio over the rounds in which it reached <see cref="ControlFast"/>).
/// <para>
/// Two ways to start a timed run. By default every run starts after an idle pause longer than a pool worker of
/// <see cref="FitWorkers"/> stays awake: each two-thread run wakes a sleeping worker, as a job started on an idle
/// second core does. With <c>--back-to-back</c> every timed run is a series of calls of the same job and thread count
/// made one right after the other, at least <see cref="SeriesLength"/> long, after an untimed call: the sustained rate
/// of calls made one after the other (a scan per point of a limit grid, toys in batches), where the pool worker is
/// still awake when the next call starts. One timed call right after one untimed call measures instead how a second
/// core that was idle for several times the job's length comes back: between the two-thread runs, the one-thread runs
/// and the controls keep it idle, and on this kind of virtual machine it runs the next few milliseconds of work slower
/// (sbottom A's 21-point scan: 496 µs a call right after one untimed call, 443 µs a call over a long series; sbottom
/// B's 208 and 199 µs; the one-thread calls 838 and 365 µs either way).
/// </para>
/// </remarks>
internal static class ThreadScalingRatio
{
    private const int Rounds = 31;

    /// <summary>A control ratio at least this high counts as a round in which the machine gave two full cores.</summary>
    private const double ControlFast = 1.9;

    /// <summary>Idle time before every timed run in the default mode: longer than a pool worker stays awake.</summary>
    private static readonly TimeSpan Pause = FitWorkers.StayAwake + TimeSpan.FromMilliseconds(1);

    /// <summary>Warm-up per job and thread count: long enough for the tiered JIT to reach its final code.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    /// <summary>The least length of a timed series of calls with <c>--back-to-back</c>.</summary>
    private static readonly TimeSpan SeriesLength = TimeSpan.FromMilliseconds(50);

    private static bool _backToBack;

    /// <summary>Calls per timed run: 1, or with <c>--back-to-back</c> enough one-thread calls to fill <see cref="SeriesLength"/>.</summary>
    private static int _series = 1;

    private static readonly string[] Workspaces =
    [
        "sbottom_regionA_1300_205_60", "sbottom_regionB_1400_550_60", "sbottom_regionC_1600_850_60",
        "atlas_susy_2018_04_staus_combined", "atlas_susy_2019_08_1lbb", "benchmark_poisson_100bins",
    ];

    /// <summary>
    /// Measures every job on the workspaces named in <paramref name="arguments"/>, or on all of them when none is named;
    /// <c>--back-to-back</c> among them times calls made one after the other instead of calls after an idle pause.
    /// </summary>
    public static void Run(IReadOnlyCollection<string> arguments)
    {
        _backToBack = arguments.Contains("--back-to-back");
        string[] only = [.. arguments.Where(a => a != "--back-to-back")];
        Console.WriteLine(_backToBack ? $"Calls back to back (each timed run a series of calls one right after the other, at least {SeriesLength.TotalMilliseconds} ms long, after an untimed call; times per call)." : $"Calls after an idle pause of {Pause.TotalMilliseconds} ms.");
        Console.WriteLine($"| job | workspace | 1 thread ms | 2 threads ms | job ratio | control ratio | efficiency | job ratio, control ≥ {ControlFast:F1}× (rounds) | L1 control ratio | L1 efficiency | job ratio, L1 control ≥ {ControlFast:F1}× (rounds) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string workspace in Workspaces.Where(w => only.Length == 0 || only.Contains(w)))
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
        var control = new MachineControl(touchesMemory: false);
        var l1Control = new MachineControl(touchesMemory: true);
        var warmUp = Stopwatch.StartNew();
        _series = 1;
        while (warmUp.Elapsed < WarmUp)
        {
            double oneCall = Milliseconds(oneThread);
            control.Calibrate(oneCall);
            l1Control.Calibrate(oneCall);
            _series = _backToBack ? Math.Max(1, (int)Math.Ceiling(SeriesLength.TotalMilliseconds / oneCall)) : 1;
            twoThreads();
            control.Run(2);
            l1Control.Run(2);
        }

        var one = new double[Rounds];
        var two = new double[Rounds];
        var ratio = new double[Rounds];
        var controlRatio = new double[Rounds];
        var efficiency = new double[Rounds];
        var l1Ratio = new double[Rounds];
        var l1Efficiency = new double[Rounds];
        var fastRounds = new List<double>();
        var l1FastRounds = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            // Each control run sits next to the job run with the same thread count; which side goes first alternates.
            double controlOne;
            double controlTwo;
            if (round % 2 == 0)
            {
                controlOne = Milliseconds(() => control.Run(1));
                one[round] = Milliseconds(oneThread);
                two[round] = Milliseconds(twoThreads);
                controlTwo = Milliseconds(() => control.Run(2));
            }
            else
            {
                controlTwo = Milliseconds(() => control.Run(2));
                two[round] = Milliseconds(twoThreads);
                one[round] = Milliseconds(oneThread);
                controlOne = Milliseconds(() => control.Run(1));
            }

            // The L1 control sits around the pair: its two runs alternate as the register control's do.
            double l1One;
            double l1Two;
            if (round % 2 == 0)
            {
                l1One = Milliseconds(() => l1Control.Run(1));
                l1Two = Milliseconds(() => l1Control.Run(2));
            }
            else
            {
                l1Two = Milliseconds(() => l1Control.Run(2));
                l1One = Milliseconds(() => l1Control.Run(1));
            }

            ratio[round] = one[round] / two[round];
            controlRatio[round] = controlOne / controlTwo;
            efficiency[round] = ratio[round] / controlRatio[round];
            l1Ratio[round] = l1One / l1Two;
            l1Efficiency[round] = ratio[round] / l1Ratio[round];
            if (controlRatio[round] >= ControlFast)
            {
                fastRounds.Add(ratio[round]);
            }

            if (l1Ratio[round] >= ControlFast)
            {
                l1FastRounds.Add(ratio[round]);
            }
        }

        string fast = FastRatio(fastRounds);
        string l1Fast = FastRatio(l1FastRounds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {job}{(_series > 1 ? $" (series of {_series})" : "")} | {workspace} | {RoundStatistics.Median(one):F2} | {RoundStatistics.Median(two):F2} | {RoundStatistics.Median(ratio):F2}× | {RoundStatistics.Median(controlRatio):F2}× | {RoundStatistics.Median(efficiency):F2} | {fast} | {RoundStatistics.Median(l1Ratio):F2}× | {RoundStatistics.Median(l1Efficiency):F2} | {l1Fast} |"));
    }

    private static string FastRatio(List<double> rounds) =>
        rounds.Count == 0 ? "– (0)" : string.Create(CultureInfo.InvariantCulture, $"{RoundStatistics.Median([.. rounds]):F2}× ({rounds.Count})");

    /// <summary>
    /// Wall-clock milliseconds of one call of <paramref name="run"/>: the mean over a series of <see cref="_series"/>
    /// calls right after an untimed call (<c>--back-to-back</c>), or one call after a pause of <see cref="Pause"/>. A
    /// pool worker that has just worked still spins and starts the next job at once; one that has been idle longer than <see cref="FitWorkers.StayAwake"/> sleeps and is woken 15–70 µs late (on
    /// a virtual machine its core halts). Without the pause a two-thread run right after another would start hot: in
    /// the alternating rounds that is the control every round and the job every other round. With it, every
    /// two-thread run starts as a job started on an idle second core does.
    /// </summary>
    private static double Milliseconds(Action run)
    {
        if (_backToBack)
        {
            run();
        }
        else
        {
            // The calling thread keeps its core through the pause (a sleep would hand it to other processes).
            long pause = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(pause) < Pause)
            {
                Thread.SpinWait(20);
            }
        }

        long start = Stopwatch.GetTimestamp();
        for (int call = 0; call < _series; call++)
        {
            run();
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / _series;
    }

    /// <summary>
    /// Work that two threads run exactly twice as fast as one when the machine gives both cores: chunks of a chain of
    /// fused multiply-adds held in registers (no memory traffic, nothing shared but the chunk counter), or with
    /// <c>touchesMemory</c> of loads from a block in each core's own L1 cache, taken by workers from a shared counter and
    /// started by <see cref="FitWorkers.Run"/> as the jobs' fits are, so a late thread start costs it what it costs a job.
    /// </summary>
    private sealed class MachineControl(bool touchesMemory)
    {
        private const int Chunks = 64;

        /// <summary>Doubles each worker of the L1 control reads per step: 16 KiB, half of a core's L1 data cache.</summary>
        private const int L1Doubles = 2048;

        [ThreadStatic]
        private static double[]? t_l1Data;

        private long _chainLength = 1_000;
        private int _next;

        /// <summary>Keeps the JIT from dropping the chains as unused.</summary>
        private double _sink;

        /// <summary>Rescales the chains so that one thread takes about <paramref name="milliseconds"/>.</summary>
        public void Calibrate(double milliseconds)
        {
            double took = Milliseconds(() => Run(1));
            _chainLength = Math.Max(1, (long)(_chainLength * milliseconds / took));
        }

        public void Run(int threads)
        {
            _next = -1;
            FitWorkers.Run(threads, Work);
        }

        private void Work()
        {
            if (touchesMemory)
            {
                ReadL1();
                return;
            }

            Vector256<double> a = Vector256.Create(1.0);
            Vector256<double> b = a;
            Vector256<double> c = a;
            Vector256<double> d = a;
            Vector256<double> factor = Vector256.Create(0.999999);
            Vector256<double> addend = Vector256.Create(1e-7);
            while (Interlocked.Increment(ref _next) < Chunks)
            {
                // Register-only arithmetic: the core's own speed alone sets the pace.
                for (long i = 0; i < _chainLength; i++)
                {
                    a = Vector256.FusedMultiplyAdd(a, factor, addend);
                    b = Vector256.FusedMultiplyAdd(b, factor, addend);
                    c = Vector256.FusedMultiplyAdd(c, factor, addend);
                    d = Vector256.FusedMultiplyAdd(d, factor, addend);
                }
            }

            Volatile.Write(ref _sink, Vector256.Sum(a + b + c + d));
        }

        /// <summary>
        /// Loads from a per-thread block that stays in the core's L1 cache: no traffic between the cores, but the loads
        /// run on the core's memory pipeline, which the fits use too and which on this node slows at times while the
        /// register chains keep their speed (another guest on the same physical core, presumably).
        /// </summary>
        private void ReadL1()
        {
            double[] data = t_l1Data ??= [.. Enumerable.Range(0, L1Doubles).Select(i => 1e-9 * i)];
            // Eight sums, so that the loads and not the adds' latency set the pace.
            var s0 = Vector256<double>.Zero;
            var (s1, s2, s3, s4, s5, s6, s7) = (s0, s0, s0, s0, s0, s0, s0);
            int w = Vector256<double>.Count;
            while (Interlocked.Increment(ref _next) < Chunks)
            {
                for (long i = 0; i < _chainLength; i++)
                {
                    for (int j = 0; j < data.Length; j += 8 * w)
                    {
                        s0 += Vector256.LoadUnsafe(ref data[j]);
                        s1 += Vector256.LoadUnsafe(ref data[j + w]);
                        s2 += Vector256.LoadUnsafe(ref data[j + (2 * w)]);
                        s3 += Vector256.LoadUnsafe(ref data[j + (3 * w)]);
                        s4 += Vector256.LoadUnsafe(ref data[j + (4 * w)]);
                        s5 += Vector256.LoadUnsafe(ref data[j + (5 * w)]);
                        s6 += Vector256.LoadUnsafe(ref data[j + (6 * w)]);
                        s7 += Vector256.LoadUnsafe(ref data[j + (7 * w)]);
                    }
                }
            }

            Vector256<double> total = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
            Volatile.Write(ref _sink, Vector256.Sum(total));
        }
    }
}
