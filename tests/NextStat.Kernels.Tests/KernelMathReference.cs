using System.Numerics;

namespace NextStat.Kernels.Tests;

/// <summary>
/// Exact-enough natural logarithm and exponential of doubles in big-integer fixed point (300 fractional bits),
/// independent of <see cref="Math"/> and of <see cref="KernelMath"/>, to measure errors in ulps of the true value.
/// </summary>
internal static class KernelMathReference
{
    private const int Precision = 300;
    private static readonly BigInteger One = BigInteger.One << Precision;
    private static readonly BigInteger Ln2 = Atanh2(BigInteger.One, 3);

    // √2 · 2^52, rounded up: the split point of the mantissa.
    private static readonly BigInteger Sqrt2Scaled = new(0x16A09E667F3BCDL);

    /// <summary>A real number <c>Mantissa · 2^Exponent</c>.</summary>
    public readonly record struct Exact(BigInteger Mantissa, int Exponent);

    /// <summary>ln x for a positive finite x, with an absolute error below 2^-290.</summary>
    public static Exact Log(double x)
    {
        (BigInteger m, int e) = Decompose(x);

        // x = f·2^E with f in [1/√2, √2): ln x = E·ln 2 + 2·atanh((f − 1)/(f + 1)), |(f − 1)/(f + 1)| ≤ 0.172.
        int shift = (int)m.GetBitLength() - 1;
        int exponent = e + shift;
        BigInteger f = m << (52 - shift);
        BigInteger unit = BigInteger.One << 52;
        if (f >= Sqrt2Scaled)
        {
            unit <<= 1;
            exponent++;
        }

        BigInteger lnF = Atanh2(f - unit, f + unit);
        return new Exact((exponent * Ln2) + lnF, -Precision);
    }

    /// <summary>exp y for a finite y with |y| ≤ 800, with a relative error below 2^-280.</summary>
    public static Exact Exp(double y)
    {
        (BigInteger m, int e) = Decompose(Math.Abs(y));
        BigInteger yFixed = e >= -Precision ? m << (e + Precision) : m >> (-e - Precision);
        if (y < 0)
        {
            yFixed = -yFixed;
        }

        // y = K·ln 2 + t with |t| ≲ ln 2/2, exp y = 2^K · Σ tⁿ/n! (K need not be the nearest integer, only close).
        BigInteger k = new(Math.Round(y / 0.6931471805599453));
        BigInteger t = yFixed - (k * Ln2);
        BigInteger sum = One;
        BigInteger term = One;
        for (int n = 1; !term.IsZero; n++)
        {
            term = BigInteger.Divide(term * t, One) / n;
            sum += term;
        }

        return new Exact(sum, (int)k - Precision);
    }

    /// <summary>(ours − exact) / ulp(exact), with the ulp of the double format at the exact value (subnormal aware).</summary>
    public static double UlpError(double ours, Exact exact)
    {
        if (exact.Mantissa.IsZero)
        {
            throw new ArgumentException("the exact value is zero", nameof(exact));
        }

        BigInteger abs = BigInteger.Abs(exact.Mantissa);
        int log2 = (int)abs.GetBitLength() - 1 + exact.Exponent;
        int ulpExponent = Math.Max(log2, -1022) - 52;

        (BigInteger m, int e) = Decompose(Math.Abs(ours));
        if (ours < 0)
        {
            m = -m;
        }

        if (e < exact.Exponent)
        {
            throw new ArgumentException("the reference scale is coarser than the value compared", nameof(exact));
        }

        BigInteger diff = (m << (e - exact.Exponent)) - exact.Mantissa;
        return Ratio(diff, ulpExponent - exact.Exponent);
    }

    // 2·atanh(p/q) = ln((q + p)/(q − p)) in fixed point, for |p/q| ≤ 1/3. The series runs on |p| (odd function),
    // so every shift truncates a positive number and the terms reach zero.
    private static BigInteger Atanh2(BigInteger p, BigInteger q)
    {
        BigInteger s = (BigInteger.Abs(p) << Precision) / q;
        BigInteger s2 = s * s >> Precision;
        BigInteger power = s;
        BigInteger sum = BigInteger.Zero;
        for (int j = 0; !power.IsZero; j++)
        {
            sum += power / ((2 * j) + 1);
            power = power * s2 >> Precision;
        }

        return p.Sign < 0 ? -2 * sum : 2 * sum;
    }

    // x = m·2^e with m an integer, for x ≥ 0 finite.
    private static (BigInteger Mantissa, int Exponent) Decompose(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x) & long.MaxValue;
        int biased = (int)(bits >> 52);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        return biased == 0 ? (fraction, -1074) : (fraction | (1L << 52), biased - 1075);
    }

    // n / 2^s as a double, exact to double rounding of a 64-bit quotient (plenty for error ratios).
    private static double Ratio(BigInteger n, int s)
    {
        int excess = Math.Max(0, (int)BigInteger.Abs(n).GetBitLength() - 64);
        return (double)(n >> excess) * Math.Pow(2, excess - s);
    }
}
