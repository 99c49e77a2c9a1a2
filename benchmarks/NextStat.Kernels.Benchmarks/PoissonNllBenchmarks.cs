using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace NextStat.Kernels.Benchmarks;

/// <summary>
/// The Poisson negative log-likelihood sum Σ (λ − n·ln λ) + Σ ln Γ(n + 1) as HistFactory evaluates it: the ln Γ sum
/// depends only on the data, so it is computed once per data set and every method adds the same constant. Methods:
/// the scalar <see cref="Math.Log(double)"/> loop (baseline), a <see cref="TensorPrimitives"/> composition, and the
/// generated kernel at each forced width, then with automatic width on one and on two threads. The two
/// <c>PerBinLogGamma</c> methods keep the previous form of this benchmark for comparison: a third input stream with
/// ln Γ(n + 1) per bin, added inside the loop.
/// </summary>
[MemoryDiagnoser]
public class PoissonNllBenchmarks
{
    private double[] _lambda = [];
    private double[] _counts = [];
    private double[] _logFactorials = [];
    private double _logFactorialSum;
    private double[] _scratch = [];

    // Forced widths run on the calling thread; the two Auto contexts differ only in threads (default threshold, so
    // small inputs stay sequential even when two threads are allowed).
    private static readonly KernelContext s_scalar = new() { Width = KernelWidth.Scalar, MaxDegreeOfParallelism = 1 };
    private static readonly KernelContext s_vector128 = new() { Width = KernelWidth.Vector128, MaxDegreeOfParallelism = 1 };
    private static readonly KernelContext s_vector256 = new() { Width = KernelWidth.Vector256, MaxDegreeOfParallelism = 1 };
    private static readonly KernelContext s_vector512 = new() { Width = KernelWidth.Vector512, MaxDegreeOfParallelism = 1 };
    private static readonly KernelContext s_oneThread = new() { MaxDegreeOfParallelism = 1 };
    private static readonly KernelContext s_twoThreads = new() { MaxDegreeOfParallelism = 2 };

    [Params(100, 1_000, 10_000, 100_000, 1_000_000)]
    public int Bins { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_lambda, _counts, _logFactorials) = PoissonData.Create(Bins, seed: 42);
        _logFactorialSum = _logFactorials.Sum();
        _scratch = new double[Bins];
    }

    [Benchmark(Baseline = true)]
    public double ScalarMathLog()
    {
        double[] lambda = _lambda;
        double[] n = _counts;
        double sum = 0;
        for (int i = 0; i < lambda.Length; i++)
        {
            sum += lambda[i] - (n[i] * Math.Log(lambda[i]));
        }

        return sum + _logFactorialSum;
    }

    [Benchmark]
    public double TensorPrimitivesComposition()
    {
        // ln λ into a preallocated buffer, then Σλ − n·ln λ as two vectorised reductions.
        TensorPrimitives.Log(_lambda, _scratch);
        return TensorPrimitives.Sum(_lambda) - TensorPrimitives.Dot(_counts, _scratch) + _logFactorialSum;
    }

    [Benchmark]
    public double GeneratedScalar() => PoissonKernels.NllSum(_lambda, _counts, s_scalar) + _logFactorialSum;

    [Benchmark]
    public double GeneratedVector128() => PoissonKernels.NllSum(_lambda, _counts, s_vector128) + _logFactorialSum;

    [Benchmark]
    public double GeneratedVector256() => PoissonKernels.NllSum(_lambda, _counts, s_vector256) + _logFactorialSum;

    [Benchmark]
    public double GeneratedVector512() => PoissonKernels.NllSum(_lambda, _counts, s_vector512) + _logFactorialSum;

    [Benchmark]
    public double GeneratedAutoOneThread() => PoissonKernels.NllSum(_lambda, _counts, s_oneThread) + _logFactorialSum;

    [Benchmark]
    public double GeneratedAutoTwoThreads() => PoissonKernels.NllSum(_lambda, _counts, s_twoThreads) + _logFactorialSum;

    [Benchmark]
    public double ScalarMathLogPerBinLogGamma()
    {
        double[] lambda = _lambda;
        double[] n = _counts;
        double[] logFactorial = _logFactorials;
        double sum = 0;
        for (int i = 0; i < lambda.Length; i++)
        {
            sum += lambda[i] - (n[i] * Math.Log(lambda[i])) + logFactorial[i];
        }

        return sum;
    }

    [Benchmark]
    public double GeneratedAutoOneThreadPerBinLogGamma() => PoissonKernels.NllSumPerBinLogGamma(_lambda, _counts, _logFactorials, s_oneThread);
}

/// <summary>The Poisson term as a generated sum kernel: one scalar formula, every width written by the generator.</summary>
public static partial class PoissonKernels
{
    internal static double Term(double lambda, double n) => lambda - (n * Math.Log(lambda));

    internal static double TermWithLogFactorial(double lambda, double n, double logFactorial) => lambda - (n * Math.Log(lambda)) + logFactorial;

    [SumKernel(nameof(Term))]
    public static partial double NllSum(ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, KernelContext? context = null);

    [SumKernel(nameof(TermWithLogFactorial))]
    public static partial double NllSumPerBinLogGamma(ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, ReadOnlySpan<double> logFactorial, KernelContext? context = null);
}

/// <summary>Deterministic Poisson data: rates over three decades, counts near them, ln Γ(n + 1) precomputed.</summary>
internal static class PoissonData
{
    public static (double[] Lambda, double[] Counts, double[] LogFactorials) Create(int bins, int seed)
    {
        var random = new Random(seed);
        var lambda = new double[bins];
        var counts = new double[bins];
        var logFactorials = new double[bins];
        for (int i = 0; i < bins; i++)
        {
            lambda[i] = 0.5 * Math.Pow(10, random.NextDouble() * 3);
            counts[i] = Math.Max(0, Math.Round(lambda[i] + (Math.Sqrt(lambda[i]) * ((random.NextDouble() * 2) - 1))));
            logFactorials[i] = LogFactorial((int)counts[i]);
        }

        return (lambda, counts, logFactorials);
    }

    private static double LogFactorial(int n)
    {
        double sum = 0;
        for (int k = 2; k <= n; k++)
        {
            sum += Math.Log(k);
        }

        return sum;
    }
}
