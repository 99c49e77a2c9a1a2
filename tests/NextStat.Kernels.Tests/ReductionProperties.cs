using FsCheck.Xunit;
using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>
/// Sum kernels: bitwise identical for every width, for 1, 2, 3, 7 and 16 threads (threshold 0 forces the parallel
/// path) and with or without compensation; close to the naive sum of the element method.
/// </summary>
[Properties(Arbitrary = [typeof(KernelArbitraries)], MaxTest = 25)]
public class ReductionProperties
{
    private static readonly int[] s_threads = [1, 2, 3, 7, 16];

    [Property]
    public void PoissonSumsAreBitwiseIdenticalForEveryWidthAndThreadCount(KernelInput input)
    {
        double[] lambda = input.Moderate(1), n = input.Moderate(2);
        foreach (bool compensated in new[] { false, true })
        {
            double single = Poisson.NllSum(lambda, n, Bits.Context(KernelWidth.Scalar, 1, compensated));
            (double value, double gradient) = Poisson.NllAndGradSums(lambda, n, Bits.Context(KernelWidth.Scalar, 1, compensated));
            Assert.True(Bits.Same(single, value), $"multi-sum value {value:R} != single sum {single:R}");
            foreach (KernelWidth width in Bits.Widths)
            {
                foreach (int threads in s_threads)
                {
                    KernelContext context = Bits.Context(width, threads, compensated);
                    double sum = Poisson.NllSum(lambda, n, context);
                    (double v, double g) = Poisson.NllAndGradSums(lambda, n, context);
                    Assert.True(Bits.Same(single, sum), $"{width}, {threads} thread(s), compensated {compensated}: {sum:R} != {single:R}");
                    Assert.True(Bits.Same(value, v) && Bits.Same(gradient, g), $"{width}, {threads} thread(s): ({v:R}, {g:R}) != ({value:R}, {gradient:R})");
                }
            }
        }
    }

    [Property]
    public void ArithmeticSumsAreBitwiseIdenticalForEveryWidthAndThreadCount(KernelInput input)
    {
        double[] x = input.General(3), y = input.General(4);
        float[] a = input.Single(5), b = input.Single(6);
        double reference = Arithmetic.PolySum(x, y, Bits.Context(KernelWidth.Scalar));
        float referenceFloat = Arithmetic.HypotSum(a, b, Bits.Context(KernelWidth.Scalar));
        foreach (KernelWidth width in Bits.Widths)
        {
            foreach (int threads in s_threads)
            {
                double sum = Arithmetic.PolySum(x, y, Bits.Context(width, threads));
                float sumFloat = Arithmetic.HypotSum(a, b, Bits.Context(width, threads));
                Assert.True(Bits.Same(reference, sum), $"{width}, {threads} thread(s): {sum:R} != {reference:R}");
                Assert.True(Bits.Same(referenceFloat, sumFloat), $"float, {width}, {threads} thread(s): {sumFloat:R} != {referenceFloat:R}");
            }
        }
    }

    /// <summary>
    /// Against Σ Term(λ, n) in element order with Math.Log: the summation orders differ by at most (length + 16)
    /// roundings of Σ|term|, and the logs by <see cref="WidthProperties.LogExpUlpBound"/> ulps of each n·ln λ.
    /// </summary>
    [Property]
    public void PoissonSumIsCloseToTheNaiveSum(KernelInput input)
    {
        double[] lambda = input.Moderate(7), n = input.Moderate(8);
        double naive = 0, magnitude = 0, logError = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double term = Poisson.Term(lambda[i], n[i]);
            naive += term;
            magnitude += Math.Abs(term);
            logError += (WidthProperties.LogExpUlpBound + 1) * Bits.Ulp(n[i] * Math.Log(lambda[i]));
        }

        double sum = Poisson.NllSum(lambda, n, KernelContext.SingleThreaded);
        double tolerance = ((input.Length + 16) * 1.2e-16 * magnitude) + logError;
        Assert.True(
            Bits.Same(naive, sum) || Math.Abs(naive - sum) <= tolerance,
            $"sum {sum:R}, naive {naive:R}, tolerance {tolerance:R}");
    }
}
