using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace NextStat.Kernels.Benchmarks;

/// <summary>
/// ln and exp alone, mapped over an L1-resident array: <see cref="Math"/>'s scalar loop, the BCL's Vector256 functions
/// and <see cref="KernelMath"/> at each width. Reported per element.
/// </summary>
[MemoryDiagnoser]
public class LogExpThroughputBenchmarks
{
    private const int Count = 4096;
    private readonly double[] _logArguments = new double[Count];
    private readonly double[] _expArguments = new double[Count];
    private readonly double[] _results = new double[Count];

    [GlobalSetup]
    public void Setup()
    {
        // Poisson rates from 0.5 to 1000 for ln; interpolation-sized exponents for exp.
        var random = new Random(20261128);
        for (int i = 0; i < Count; i++)
        {
            _logArguments[i] = 0.5 + (random.NextDouble() * 999.5);
            _expArguments[i] = (random.NextDouble() * 40.0) - 20.0;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public void LogMathScalar()
    {
        double[] x = _logArguments;
        double[] y = _results;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Log(x[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public void LogBclVector256()
    {
        ref double x = ref _logArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 4)
        {
            Vector256.Log(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public void LogKernelMathScalar()
    {
        double[] x = _logArguments;
        double[] y = _results;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = KernelMath.Log(x[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public void LogKernelMath128()
    {
        ref double x = ref _logArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 2)
        {
            KernelMath.Log(Vector128.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public void LogKernelMath256()
    {
        ref double x = ref _logArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 4)
        {
            KernelMath.Log(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    /// <summary>
    /// The form generated sum loops use: no special-value branch (a range mask instead) and the table offsets read
    /// from the arguments in memory. Returns whether every lane was in range, so the mask is not optimised away.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public unsafe bool LogKernelMath256UncheckedFromMemory()
    {
        fixed (double* x = _logArguments, y = _results)
        {
            var inRange = Vector256<double>.AllBitsSet;
            for (nint i = 0; i < Count; i += 4)
            {
                KernelMath.LogUnchecked(Vector256.Load(x + i), x + i, ref inRange).Store(y + i);
            }

            return inRange.ExtractMostSignificantBits() == 0b1111;
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Log")]
    public void LogKernelMath512()
    {
        ref double x = ref _logArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 8)
        {
            KernelMath.Log(Vector512.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Exp")]
    public void ExpMathScalar()
    {
        double[] x = _expArguments;
        double[] y = _results;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Exp(x[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Exp")]
    public void ExpBclVector256()
    {
        ref double x = ref _expArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 4)
        {
            Vector256.Exp(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Exp")]
    public void ExpKernelMathScalar()
    {
        double[] x = _expArguments;
        double[] y = _results;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = KernelMath.Exp(x[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Exp")]
    public void ExpKernelMath128()
    {
        ref double x = ref _expArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 2)
        {
            KernelMath.Exp(Vector128.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Exp")]
    public void ExpKernelMath256()
    {
        ref double x = ref _expArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 4)
        {
            KernelMath.Exp(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    [BenchmarkCategory("Exp")]
    public void ExpKernelMath512()
    {
        ref double x = ref _expArguments[0];
        ref double y = ref _results[0];
        for (nuint i = 0; i < Count; i += 8)
        {
            KernelMath.Exp(Vector512.LoadUnsafe(ref x, i)).StoreUnsafe(ref y, i);
        }
    }
}
