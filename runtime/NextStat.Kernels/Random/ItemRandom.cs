using System.Runtime.CompilerServices;

// The namespace is not "NextStat.Kernels.Random": a namespace of that name would hide System.Random from all code
// under NextStat.Kernels (namespace members are found before global usings).
namespace NextStat.Kernels.Randomness;

/// <summary>
/// A deterministic random stream for one item of a batch (a toy, a pseudo-experiment): xoshiro256** whose state is
/// derived only from a run seed and the item's global index through SplitMix64. The same (seed, index) gives the
/// same draws whatever the thread count, the chunking or the sharding of the batch, so shards merged equal one run.
/// </summary>
/// <remarks>
/// The draws use only integer arithmetic, IEEE-exact operations (+, −, ×, ÷, √) and the managed
/// <see cref="KernelMath.Log(double)"/>/<see cref="KernelMath.Exp(double)"/>, never the platform's C library, so they
/// are the same bits on every operating system. An instance is not thread-safe: one stream per item, used by the
/// thread that processes the item.
/// </remarks>
public sealed class ItemRandom
{
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    // The polar method makes normals in pairs; the second one is kept for the next call.
    private double _spareNormal;
    private bool _hasSpareNormal;

    private ItemRandom(ulong key)
    {
        // SplitMix64 from the item key fills the state; its outputs are never all zero in practice, and xoshiro only
        // needs a non-zero state, which is checked.
        ulong x = key;
        _s0 = SplitMix64.Next(ref x);
        _s1 = SplitMix64.Next(ref x);
        _s2 = SplitMix64.Next(ref x);
        _s3 = SplitMix64.Next(ref x);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            _s0 = 0x9E3779B97F4A7C15UL;
        }
    }

    /// <summary>
    /// The stream of item <paramref name="index"/> (0-based, global over the whole batch) of a run with
    /// <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    public static ItemRandom For(ulong seed, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new ItemRandom(ItemKey(seed, index));
    }

    /// <summary>
    /// The 64-bit key the stream of (<paramref name="seed"/>, <paramref name="index"/>) starts from: the seed and the
    /// index are each mixed before they are combined, so neighbouring seeds and neighbouring indices give unrelated
    /// streams (a plain <c>seed + index</c> would make run 1 item 0 equal run 0 item 1).
    /// </summary>
    public static ulong ItemKey(ulong seed, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ulong seedKey = SplitMix64.Mix(seed ^ 0x6A09E667F3BCC909UL);
        return SplitMix64.Mix(seedKey ^ SplitMix64.Mix((ulong)index + 0xBB67AE8584CAA73BUL));
    }

    /// <summary>The next 64 uniformly distributed bits (xoshiro256**).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * TwoToMinus53;

    /// <summary>A uniform double in (0, 1): never 0, for logarithms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double NextOpenDouble() => ((NextUInt64() >> 11) + 0.5) * TwoToMinus53;

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>), without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exclusiveMax"/> is zero.</exception>
    public ulong NextUInt64(ulong exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfZero(exclusiveMax);
        ulong high = Math.BigMul(NextUInt64(), exclusiveMax, out ulong low);
        if (low < exclusiveMax)
        {
            ulong threshold = (0 - exclusiveMax) % exclusiveMax;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), exclusiveMax, out low);
            }
        }

        return high;
    }

    /// <summary>A standard normal draw (Marsaglia's polar method: exact, needs only a logarithm and a square root).</summary>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }

        double u;
        double v;
        double s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        }
        while (s >= 1.0 || s == 0.0);

        double factor = Math.Sqrt(-2.0 * KernelMath.Log(s) / s);
        _spareNormal = v * factor;
        _hasSpareNormal = true;
        return u * factor;
    }

    /// <summary>A normal draw with mean <paramref name="mean"/> and standard deviation <paramref name="sigma"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The mean is not finite or sigma is negative or not finite.</exception>
    public double NextNormal(double mean, double sigma)
    {
        if (!double.IsFinite(mean))
        {
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "the mean of a normal draw must be finite");
        }

        if (!(sigma >= 0) || double.IsPositiveInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "the standard deviation of a normal draw must be finite and not negative");
        }

        return mean + sigma * NextNormal();
    }

    /// <summary>
    /// A Poisson draw with mean <paramref name="mean"/>: exact for every mean (inversion by sequential search below
    /// 10, Hörmann's transformed rejection with squeeze, PTRS, from 10 on). A zero mean gives 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The mean is negative, NaN, infinite or above 2^52.</exception>
    public long NextPoisson(double mean)
    {
        if (!(mean >= 0) || mean > PoissonSampler.MaxMean)
        {
            throw new ArgumentOutOfRangeException(nameof(mean), mean, $"the mean of a Poisson draw must be in [0, {PoissonSampler.MaxMean:R}]");
        }

        if (mean == 0)
        {
            return 0;
        }

        return mean < PoissonSampler.InversionLimit
            ? PoissonSampler.Inversion(this, mean)
            : PoissonSampler.TransformedRejection(this, mean);
    }

    private static class PoissonSampler
    {
        public const double InversionLimit = 10.0;

        // Beyond 2^52 consecutive integers are no longer all representable as doubles.
        public const double MaxMean = 4503599627370496.0;

        // ln k! for k < 10, exact to the last bit of the double nearest to the true value.
        private static readonly double[] LogFactorialTable =
        [
            0.0,
            0.0,
            0.69314718055994530942,
            1.79175946922805500081,
            3.17805383034794561965,
            4.78749174278204599425,
            6.57925121201010099506,
            8.52516136106541430017,
            10.60460290274525022842,
            12.80182748008146961121,
        ];

        public static long Inversion(ItemRandom random, double mean)
        {
            // Walk the cumulative distribution from k = 0; P(k) = P(k-1)·λ/k. For λ < 10 the expected walk is short
            // and exp(−λ) ≥ 4.5e-5, far from underflow. The guard stops on the rounding tail where the cumulative
            // sum cannot reach u.
            double u = random.NextDouble();
            double p = KernelMath.Exp(-mean);
            double cumulative = p;
            long k = 0;
            while (u >= cumulative && k < 1000)
            {
                k++;
                p *= mean / k;
                cumulative += p;
            }

            return k;
        }

        public static long TransformedRejection(ItemRandom random, double mean)
        {
            // W. Hörmann, "The transformed rejection method for generating Poisson random variables",
            // Insurance: Mathematics and Economics 12 (1993) 39–45, algorithm PTRS.
            double logMean = KernelMath.Log(mean);
            double b = 0.931 + 2.53 * Math.Sqrt(mean);
            double a = -0.059 + 0.02483 * b;
            double inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
            double vr = 0.9277 - 3.6224 / (b - 2.0);
            while (true)
            {
                double u = random.NextDouble() - 0.5;
                double v = random.NextOpenDouble();
                double us = 0.5 - Math.Abs(u);
                double k = Math.Floor((2.0 * a / us + b) * u + mean + 0.43);
                if (us >= 0.07 && v <= vr)
                {
                    return (long)k;
                }

                if (k < 0 || (us < 0.013 && v > us))
                {
                    continue;
                }

                double lhs = KernelMath.Log(v * inverseAlpha / (a / (us * us) + b));
                double rhs = -mean + k * logMean - LogFactorial(k);
                if (lhs <= rhs)
                {
                    return (long)k;
                }
            }
        }

        private static double LogFactorial(double k)
        {
            if (k < LogFactorialTable.Length)
            {
                return LogFactorialTable[(int)k];
            }

            // Stirling's series for ln Γ(k+1) with terms to 1/(1188 k^9): the first omitted term is below 2e-14 at
            // k = 10 and falls as k^-11, well under the resolution of the acceptance test.
            double inverse = 1.0 / k;
            double inverse2 = inverse * inverse;
            double series = inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 * (1.0 / 1260 - inverse2 * (1.0 / 1680 - inverse2 * (1.0 / 1188)))));
            return (k + 0.5) * KernelMath.Log(k) - k + 0.91893853320467274178 + series;
        }
    }
}

/// <summary>SplitMix64 (Steele, Lea and Flood): the mixing function that turns seeds and indices into stream keys.</summary>
public static class SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>Advances <paramref name="state"/> by the golden-ratio increment and returns the mixed value.</summary>
    public static ulong Next(ref ulong state)
    {
        state += Gamma;
        return Mix(state);
    }

    /// <summary>The SplitMix64 finaliser: a bijection of 64-bit words with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
