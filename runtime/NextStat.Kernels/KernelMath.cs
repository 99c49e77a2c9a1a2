using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NextStat.Kernels;

/// <summary>
/// The elementary functions generated kernels call: natural logarithm and exponential for <see cref="double"/>,
/// one element or a vector of 128, 256 or 512 bits.
/// </summary>
/// <remarks>
/// <para>
/// Every overload runs one algorithm with one sequence of correctly rounded operations (multiplications, additions
/// and explicit fused multiply-adds, never a contraction left to the JIT). A lane of any width therefore gives the
/// same bits as the scalar overload for every input, special values included; this is what keeps a kernel's result
/// bitwise identical across widths.
/// </para>
/// <para>
/// <b>Log</b>: <c>x = 2^k · z</c> with <c>z</c> in [0.6836, 1.3672); the top 7 mantissa bits select one of 128
/// sub-intervals of <c>z</c>, each with a point <c>c</c> chosen so that <c>ln c</c> is a multiple of 2^-43 within
/// 2^-68 of the exact value; the two sub-intervals that meet at 1 use <c>c = 1</c>, so results near 1 keep full
/// relative accuracy. Then <c>ln x = k·ln 2 + ln c + ln(1 + r)</c> with <c>r = z/c − 1</c> (−2^-8 ≤ r &lt; 2^-7 where
/// <c>c = 1</c>, |r| &lt; 0.0039 elsewhere), rounded once by a fused multiply-add (exact where <c>c = 1</c>);
/// <c>k·ln 2 + ln c + r</c> is summed without further rounding error, and <c>ln(1 + r) − r</c> is a degree-7
/// polynomial (error 2^-65) evaluated in Estrin's form, whose dependency chain is about half as long as Horner's rule's
/// (a sum loop overlaps the logarithms of several iterations; the shorter each one, the more overlap). Error bound
/// (analysis): 0.5 ulp of final rounding, at most 0.25 ulp from the rounded <c>r</c> (reached only next to the two
/// <c>c = 1</c> sub-intervals), at most 0.03 ulp from the polynomial and below 0.01 ulp from the table and the
/// evaluation: 0.8 ulp from the exact logarithm.
/// <see cref="Math.Log(double)"/> is within 0.52 ulp of exact, so the two stay less than 2 ulp apart, which for two
/// doubles means at most 1 ulp. Measured by the tests (x64, .NET 10): max 0.60 ulp from the exact logarithm over
/// every binade and 0.74 ulp next to 1 (300-bit reference, 40,000 points each), and max 1 ulp from
/// <see cref="Math.Log(double)"/> over 1.2 million points (0.04 % differ) and over 400,000 points next to 1
/// (1.2 % differ).
/// </para>
/// <para>
/// <b>Exp</b>: <c>x = (k/128)·ln 2 + r</c>, |r| ≤ ln 2/256, with the reduction exact through FMA and a two-part ln 2;
/// <c>exp x = 2^(k/128) · exp r</c> from a 128-entry table of 2^(j/128) (value and rounding tail) and a degree-5
/// polynomial (error 2^-63). Measured: max 0.504 ulp from the exact exponential (40,000 points from −746 to 710, the
/// subnormal-result range and near 0), and max 1 ulp from <see cref="Math.Exp(double)"/> over 1.2 million points,
/// 0.04 % differing. Subnormal results are rounded once, on the subnormal grid (gradual underflow).
/// </para>
/// <para>
/// Special values behave like <see cref="Math"/>: <c>Log(±0) = −∞</c>, <c>Log(x &lt; 0) = NaN</c>, <c>Log(+∞) = +∞</c>,
/// <c>Log(NaN) = NaN</c>, subnormal arguments to the same accuracy; <c>Exp</c> overflows to +∞ above 709.78,
/// underflows through the subnormals to 0 below −745.13, <c>Exp(−∞) = 0</c>, <c>Exp(NaN) = NaN</c>. A vector with
/// any such lane (a subnormal, or |x| &gt; 708 for Exp) branches to a per-lane scalar path that is not inlined. Inside
/// a loop that call would make the JIT keep accumulators and inputs in memory, so the generated sum kernels use
/// <c>LogUnchecked</c>/<c>ExpUnchecked</c> instead: the same core sequence without the branch, plus a range mask that
/// tells the kernel to recompute a chunk with these checked overloads when any lane was special. When the argument of
/// ln is an element of an input span, the kernel also passes its address, and each lane's table offset is computed
/// from the double in memory with scalar integer operations (moving offsets out of a vector register lane by lane
/// is a long dependency chain).
/// Where Vector512 is not hardware-accelerated, the Vector512 overloads run two Vector256 halves (the JIT's
/// emulation of 512-bit operations is several times slower); the lanes and bits are the same.
/// </para>
/// </remarks>
public static unsafe partial class KernelMath
{
    // ---- Log constants -------------------------------------------------------------------------------------------

    // Bits of the lowest reduced mantissa z (0.68359375). Its low 45 bits are zero, so the 128 sub-intervals are the
    // 128 values of the top 7 mantissa bits: the table is stored in that order and a lane's entry is read without
    // subtracting the offset first. The two sub-intervals that meet at 1, [1 − 2^-8, 1) and [1, 1 + 2^-7), both use
    // c = 1, so results near 1 need no separate path and their reduced argument is exact.
    private const ulong LogOffset = 0x3FE5E00000000000UL;

    // The argument's bits plus LogBias are (bits − LogOffset) + 2^62: k + 1024 in the top 12 bits, the reduced
    // mantissa's bits below. Above LogRangeFloor (k + 1024 ≥ 3) and below 2^63 (k + 1024 ≤ 2047) the argument is
    // a positive normal double the core handles.
    private const ulong LogBias = (1024UL << 52) - LogOffset;
    private const long LogRangeFloor = (3L << 52) - 1;

    // ln 2 in two parts: the high part has 42 significant bits, so k·Ln2Hi (|k| ≤ 1075) and k·Ln2Hi + ln c
    // (ln c a multiple of 2^-43) are exact.
    private const double Ln2Hi = 0.6931471805598903;
    private const double Ln2Lo = 5.497923018708371e-14;

    // ln(1 + r) − r ≈ r²·(A0 + A1·r + … + A5·r⁵) on −2^-8 ≤ r ≤ 2^-7 (the c = 1 sub-intervals; every other one has
    // |r| < 0.00387), Chebyshev fit of (ln(1 + r) − r + r²/2)/r³ with A0 = −1/2 exact: at most 2^-65 absolute error
    // (reached at r = 2^-7) after rounding the coefficients to doubles, 0.03 ulp of ln(1 + r) (measured on 20,001
    // points with 200-bit arithmetic).
    private const double LogA0 = -0.5;
    private const double LogA1 = 0.3333333333332803;
    private const double LogA2 = -0.25000000000615186;
    private const double LogA3 = 0.2000000219341323;
    private const double LogA4 = -0.16666727708145243;
    private const double LogA5 = 0.14164748182074638;

    private const double SmallestNormal = 2.2250738585072014E-308;
    private const double TwoTo52 = 4503599627370496.0;

    // ---- Exp constants -------------------------------------------------------------------------------------------

    // 128/ln 2, and ln 2/128 in two parts: x − k·Ln2HiN is exact under FMA for every k the fast path sees.
    private const double InvLn2N = 184.6649652337873;
    private const double Ln2HiN = 0.0054152123481245725;
    private const double Ln2LoN = 1.8117553233174215e-19;

    // Adding 1.5·2^52 rounds x·128/ln 2 to an integer k held in the low mantissa bits.
    private const double RoundShift = 6755399441055744.0;

    // exp(r) − 1 − r ≈ r²·(C2 + C3·r + C4·r² + C5·r³) on |r| ≤ ln 2/256, near-minimax, error 2^-63.7.
    private const double ExpC2 = 0.4999999999999907;
    private const double ExpC3 = 0.16666666666666533;
    private const double ExpC4 = 0.041666676850831016;
    private const double ExpC5 = 0.008333334788213917;

    // |x| ≤ 708 keeps 2^(k/128) and the result normal: the fast path needs no scaling.
    private const double ExpFastLimit = 708.0;

    // Above ln(MaxValue·(1 + 2^-53)) the rounded result is +∞; below ln(2^-1075) it is 0.
    private const double ExpOverflow = 709.782712893384;
    private const double ExpUnderflow = -745.1332191019412;

    // ---- Public API ----------------------------------------------------------------------------------------------

    /// <summary>Natural logarithm, at most 1 ulp from <see cref="Math.Log(double)"/> (0.8 ulp from exact); bit-identical to every lane of the vector overloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Log(double x)
    {
        if (x >= SmallestNormal && x <= double.MaxValue)
        {
            return LogCore(BitConverter.DoubleToUInt64Bits(x), 0);
        }

        return LogSpecial(x);
    }

    /// <summary>Natural logarithm per lane; the same bits as <see cref="Log(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Log(Vector128<double> x)
    {
        var ok = Vector128.GreaterThanOrEqual(x, Vector128.Create(SmallestNormal))
               & Vector128.LessThanOrEqual(x, Vector128.Create(double.MaxValue));
        if (ok.ExtractMostSignificantBits() != 0b11)
        {
            return LogPerLane(x);
        }

        return LogCore(x);
    }

    /// <summary>Natural logarithm per lane; the same bits as <see cref="Log(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        var ok = Vector256.GreaterThanOrEqual(x, Vector256.Create(SmallestNormal))
               & Vector256.LessThanOrEqual(x, Vector256.Create(double.MaxValue));
        if (ok.ExtractMostSignificantBits() != 0b1111)
        {
            return LogPerLane(x);
        }

        return LogCore(x);
    }

    /// <summary>Natural logarithm per lane; the same bits as <see cref="Log(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));
        }

        var ok = Vector512.GreaterThanOrEqual(x, Vector512.Create(SmallestNormal))
               & Vector512.LessThanOrEqual(x, Vector512.Create(double.MaxValue));
        if (ok.ExtractMostSignificantBits() != 0xFF)
        {
            return LogPerLane(x);
        }

        return LogCore(x);
    }

    /// <summary>Exponential, max 0.504 ulp from exact (measured); bit-identical to every lane of the vector overloads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x)
    {
        if (Math.Abs(x) <= ExpFastLimit)
        {
            return ExpCore(x);
        }

        return ExpSpecial(x);
    }

    /// <summary>Exponential per lane; the same bits as <see cref="Exp(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> x)
    {
        if (!Vector128.LessThanOrEqualAll(Vector128.Abs(x), Vector128.Create(ExpFastLimit)))
        {
            return ExpPerLane(x);
        }

        return ExpCore(x);
    }

    /// <summary>Exponential per lane; the same bits as <see cref="Exp(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        if (!Vector256.LessThanOrEqualAll(Vector256.Abs(x), Vector256.Create(ExpFastLimit)))
        {
            return ExpPerLane(x);
        }

        return ExpCore(x);
    }

    /// <summary>Exponential per lane; the same bits as <see cref="Exp(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));
        }

        if (!Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(ExpFastLimit)))
        {
            return ExpPerLane(x);
        }

        return ExpCore(x);
    }

    // Without AVX-512 the JIT emulates Vector512 operations one by one, several times slower than two Vector256
    // halves; the overloads above therefore split. These entry points keep the 512-bit sequence itself under test
    // on such machines (same lanes, same bits).
    internal static Vector512<double> LogVector512Sequence(Vector512<double> x) =>
        Vector512.GreaterThanOrEqualAll(x, Vector512.Create(SmallestNormal)) && Vector512.LessThanOrEqualAll(x, Vector512.Create(double.MaxValue))
            ? LogCore(x)
            : LogPerLane(x);

    internal static Vector512<double> ExpVector512Sequence(Vector512<double> x) =>
        Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(ExpFastLimit)) ? ExpCore(x) : ExpPerLane(x);

    // ---- Scalar algorithm (the reference sequence every vector lane repeats) -------------------------------------

    // ix: bits of a positive normal double (or of a subnormal scaled by 2^52, with kBias = 52).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double LogCore(ulong ix, int kBias)
    {
        ulong tmp = ix - LogOffset;
        int i = (int)(ix >> 45) & 127;
        double kd = (double)(((long)tmp >> 52) - kBias);
        double z = BitConverter.UInt64BitsToDouble(ix - (tmp & 0xFFF0000000000000UL));
        LogEntry* e = LogTable + i;
        double invc = e->InvC;
        double logc = e->LogC;

        // r rounded once (exact where c = 1): at most 0.25 ulp of the result (see the class remarks).
        double r = Math.FusedMultiplyAdd(z, invc, -1.0);
        double t = Math.FusedMultiplyAdd(kd, Ln2Hi, logc);

        // |t| ≥ |r| unless t = 0 (k = 0 and c = 1), so hi + lo is exactly t + r.
        double hi = t + r;
        double lo = t - hi + r;
        lo = Math.FusedMultiplyAdd(kd, Ln2Lo, lo);
        // Estrin's form: (A0 + A1·r) + r²·(A2 + A3·r) + r⁴·(A4 + A5·r).
        double r2 = r * r;
        double a = Math.FusedMultiplyAdd(LogA1, r, LogA0);
        double b = Math.FusedMultiplyAdd(LogA3, r, LogA2);
        double c = Math.FusedMultiplyAdd(LogA5, r, LogA4);
        double q = Math.FusedMultiplyAdd(c, r2 * r2, Math.FusedMultiplyAdd(b, r2, a));
        double ylo = Math.FusedMultiplyAdd(r2, q, lo);
        return hi + ylo;
    }

    private static double LogSpecial(double x)
    {
        if (x > 0.0 && x < SmallestNormal)
        {
            // Subnormal: scaling by 2^52 is exact and makes it normal; k is corrected by the same 52.
            return LogCore(BitConverter.DoubleToUInt64Bits(x * TwoTo52), 52);
        }

        if (x == 0.0)
        {
            return double.NegativeInfinity;
        }

        // +∞ stays +∞, NaN stays NaN, and every negative (−∞ included) is NaN.
        return x > 0.0 || double.IsNaN(x) ? x : double.NaN;
    }

    // |x| ≤ 708: 2^(k/128) and the result are normal.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpCore(double x)
    {
        double kd = Math.FusedMultiplyAdd(x, InvLn2N, RoundShift);
        ulong ki = BitConverter.DoubleToUInt64Bits(kd);
        kd -= RoundShift;
        double r = Math.FusedMultiplyAdd(kd, -Ln2HiN, x);
        r = Math.FusedMultiplyAdd(kd, -Ln2LoN, r);
        ExpEntry* e = ExpTable + ((int)ki & 127);
        double scale = BitConverter.UInt64BitsToDouble(e->ScaleBits + (ki << 45));
        return Math.FusedMultiplyAdd(scale, ExpPolynomial(r, e->Tail), scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpPolynomial(double r, double tail)
    {
        // exp(r)·(1 + tail) − 1 to first order in tail (tail·r < 2^-61 is below the error budget).
        double r2 = r * r;
        double a = Math.FusedMultiplyAdd(ExpC3, r, ExpC2);
        double b = Math.FusedMultiplyAdd(ExpC5, r, ExpC4);
        double s = Math.FusedMultiplyAdd(r2, a, tail + r);
        return Math.FusedMultiplyAdd(r2 * r2, b, s);
    }

    private static double ExpSpecial(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x > ExpOverflow)
        {
            return double.PositiveInfinity;
        }

        if (x < ExpUnderflow)
        {
            return 0.0;
        }

        // 708 < |x|: the same reduction, with 2^(k/128) moved into range by 2^1022 or 2^-1 and moved back after.
        double kd = Math.FusedMultiplyAdd(x, InvLn2N, RoundShift);
        ulong ki = BitConverter.DoubleToUInt64Bits(kd);
        kd -= RoundShift;
        double r = Math.FusedMultiplyAdd(kd, -Ln2HiN, x);
        r = Math.FusedMultiplyAdd(kd, -Ln2LoN, r);
        ExpEntry* e = ExpTable + ((int)ki & 127);
        ulong sbits = e->ScaleBits + (ki << 45);
        double tmp = ExpPolynomial(r, e->Tail);
        if (x > 0.0)
        {
            // exp(x)/2 is finite; doubling it is exact or overflows to +∞ exactly when the rounded result would.
            double half = BitConverter.UInt64BitsToDouble(sbits - (1UL << 52));
            return Math.FusedMultiplyAdd(half, tmp, half) * 2.0;
        }

        double scale = BitConverter.UInt64BitsToDouble(sbits + (1022UL << 52));
        double y = Math.FusedMultiplyAdd(scale, tmp, scale);
        if (y >= 1.0)
        {
            // The result is normal: scaling back by 2^-1022 is exact.
            return y * SmallestNormal;
        }

        // A subnormal result must be rounded once, on the subnormal grid, not first to 53 bits and then again
        // (that double rounding costs up to 0.75 ulp). y + lo is the exact scale·(1 + tmp); adding 1 puts the
        // rounding point of the sum at 2^-52, which is the subnormal grid 2^-1074 once scaled by 2^-1022.
        double lo = Math.FusedMultiplyAdd(scale, tmp, scale - y);
        double hi = 1.0 + y;
        lo = (1.0 - hi) + y + lo;
        return ((hi + lo) - 1.0) * SmallestNormal;
    }

    // ---- Vector slow paths: one scalar call per lane keeps them bit-identical to the scalar overload ----------------

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector128<double> LogPerLane(Vector128<double> x) =>
        Vector128.Create(Log(x.GetElement(0)), Log(x.GetElement(1)));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> LogPerLane(Vector256<double> x) =>
        Vector256.Create(LogPerLane(x.GetLower()), LogPerLane(x.GetUpper()));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<double> LogPerLane(Vector512<double> x) =>
        Vector512.Create(LogPerLane(x.GetLower()), LogPerLane(x.GetUpper()));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector128<double> ExpPerLane(Vector128<double> x) =>
        Vector128.Create(Exp(x.GetElement(0)), Exp(x.GetElement(1)));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> ExpPerLane(Vector256<double> x) =>
        Vector256.Create(ExpPerLane(x.GetLower()), ExpPerLane(x.GetUpper()));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<double> ExpPerLane(Vector512<double> x) =>
        Vector512.Create(ExpPerLane(x.GetLower()), ExpPerLane(x.GetUpper()));
}
