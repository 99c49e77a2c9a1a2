using Xunit;

namespace NextStat.Kernels.Tests;

public class KernelBehaviourTests
{
    [Fact]
    public void EmptySpansGiveTheIdentity()
    {
        Assert.Equal(0.0, Poisson.NllSum([], []));
        Assert.Equal((0.0, 0.0), Poisson.NllAndGradSums([], []));
        Assert.Equal(0f, Arithmetic.HypotSum([], []));
        Poisson.Interpolate([], [], [], [], 0.5);
        Poisson.ScaleInPlace([], 2.0);
    }

    [Fact]
    public void MismatchedLengthsNameTheKernelAndBothSpans()
    {
        var error = Assert.Throws<ArgumentException>(() => Poisson.NllSum(new double[3], new double[2]));
        Assert.Equal("n", error.ParamName);
        Assert.Contains("Kernel 'Poisson.NllSum'", error.Message, StringComparison.Ordinal);
        Assert.Contains("span 'n' has length 2 but span 'lambda' has length 3", error.Message, StringComparison.Ordinal);

        var mapError = Assert.Throws<ArgumentException>(() => Poisson.Interpolate(new double[4], new double[4], new double[5], new double[4], 1.0));
        Assert.Equal("nom", mapError.ParamName);
        Assert.Contains("'result' has length 4", mapError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KnownValues()
    {
        double[] lambda = [1.0, 2.0, 4.0];
        double[] n = [0.0, 1.0, 2.0];
        double expected = 1.0 + (2.0 - KernelMath.Log(2.0)) + (4.0 - (2.0 * KernelMath.Log(4.0)));
        Assert.Equal(expected, Poisson.NllSum(lambda, n), 15);
        (double value, double gradient) = Poisson.NllAndGradSums(lambda, n);
        Assert.Equal(expected, value, 15);
        Assert.Equal(1.0 + 0.5 + 0.5, gradient, 15);

        var result = new double[3];
        Poisson.Interpolate(result, [1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [4.0, 4.0, 4.0], -0.5);
        Assert.Equal([1.5, 1.5, 1.5], result);
    }

    [Fact]
    public void CompensationRecoversWhatPlainSummationLoses()
    {
        // Elements 0, 16, 32 and 48 share virtual lane 0, so plain summation sees 1 + 1e100 + 1 − 1e100 = 0 there.
        var x = new double[64];
        x[0] = 1.0;
        x[16] = 1e100;
        x[32] = 1.0;
        x[48] = -1e100;
        foreach (KernelWidth width in Bits.Widths)
        {
            Assert.Equal(0.0, Arithmetic.Total(x, Bits.Context(width)));
            Assert.Equal(2.0, Arithmetic.Total(x, Bits.Context(width, compensated: true)));
        }
    }

    [Fact]
    public void ParallelElementwiseKernelsEqualSingleThreaded()
    {
        var input = new KernelInput(3 * KernelReduction.ChunkSize + 7, 42, 0.01);
        double[] x = input.General(1), y = input.General(2);
        var single = new double[input.Length];
        var parallel = new double[input.Length];
        Arithmetic.PolyMap(single, x, y, KernelContext.SingleThreaded);
        Arithmetic.PolyMap(parallel, x, y, Bits.Context(KernelWidth.Auto, threads: 3));
        Assert.Equal(-1, Bits.FirstDifference(parallel, single));
    }

    [Fact]
    public void SingleThreadedKernelsDoNotAllocate()
    {
        var input = new KernelInput(10_000, 7, 0.0);
        double[] lambda = input.Moderate(1), n = input.Moderate(2), result = new double[input.Length];
        KernelContext context = KernelContext.SingleThreaded;
        KernelContext compensated = new() { MaxDegreeOfParallelism = 1, Compensated = true };

        void Run()
        {
            Poisson.NllSum(lambda, n, context);
            Poisson.NllAndGradSums(lambda, n, compensated);
            Poisson.Interpolate(result, lambda, n, lambda, 0.3, context);
            Poisson.ScaleInPlace(result, 1.5, context);
            Poisson.NllSum(lambda, n);
        }

        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AutoRunsTheWidestAcceleratedWidth()
    {
        Assert.Equal(KernelDispatch.Widest, KernelDispatch.Resolve(KernelWidth.Auto));
        Assert.Equal(KernelWidth.Vector512, KernelDispatch.Resolve(KernelWidth.Vector512));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelDispatch.Resolve((KernelWidth)17));
    }
}
