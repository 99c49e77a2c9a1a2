using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NextStat.Kernels;

// The vector forms of KernelMath's scalar sequence, one block per width with identical operations. Table pairs are
// fetched with one 128-bit load per lane at a scalar-computed offset: on AVX2 that is about 1.5x faster than a
// hardware gather of the two columns.
public static unsafe partial class KernelMath
{
    // Loads the 16-byte pair at byte offset o of each lane and splits it into its first and second halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(void* table, Vector128<ulong> offsets, out Vector128<double> first, out Vector128<double> second)
    {
        byte* b = (byte*)table;
        Columns(Vector128.Load((double*)(b + offsets.ToScalar())), Vector128.Load((double*)(b + offsets.GetElement(1))), out first, out second);
    }

    // (first, second) columns of the two pairs p0 and p1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector128<double> p0, Vector128<double> p1, out Vector128<double> first, out Vector128<double> second)
    {
        if (Sse2.IsSupported)
        {
            first = Sse2.UnpackLow(p0, p1);
            second = Sse2.UnpackHigh(p0, p1);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            first = AdvSimd.Arm64.ZipLow(p0, p1);
            second = AdvSimd.Arm64.ZipHigh(p0, p1);
        }
        else
        {
            first = Vector128.Create(p0.ToScalar(), p1.ToScalar());
            second = Vector128.Create(p0.GetElement(1), p1.GetElement(1));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(void* table, Vector256<ulong> offsets, out Vector256<double> first, out Vector256<double> second)
    {
        if (Avx.IsSupported)
        {
            byte* b = (byte*)table;
            Vector128<ulong> lower = offsets.GetLower();
            Vector128<ulong> upper = offsets.GetUpper();

            // (f0, s0, f2, s2) and (f1, s1, f3, s3): one in-lane unpack each then yields the columns in lane order.
            Vector256<double> even = Vector256.Create(
                Vector128.Load((double*)(b + lower.ToScalar())), Vector128.Load((double*)(b + upper.ToScalar())));
            Vector256<double> odd = Vector256.Create(
                Vector128.Load((double*)(b + lower.GetElement(1))), Vector128.Load((double*)(b + upper.GetElement(1))));
            first = Avx.UnpackLow(even, odd);
            second = Avx.UnpackHigh(even, odd);
        }
        else
        {
            Gather(table, offsets.GetLower(), out Vector128<double> firstLower, out Vector128<double> secondLower);
            Gather(table, offsets.GetUpper(), out Vector128<double> firstUpper, out Vector128<double> secondUpper);
            first = Vector256.Create(firstLower, firstUpper);
            second = Vector256.Create(secondLower, secondUpper);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(void* table, Vector512<ulong> offsets, out Vector512<double> first, out Vector512<double> second)
    {
        Gather(table, offsets.GetLower(), out Vector256<double> firstLower, out Vector256<double> secondLower);
        Gather(table, offsets.GetUpper(), out Vector256<double> firstUpper, out Vector256<double> secondUpper);
        first = Vector512.Create(firstLower, firstUpper);
        second = Vector512.Create(secondLower, secondUpper);
    }

    // The same pairs for arguments still in memory: each lane's offset is computed from its bits with scalar integer
    // operations straight from the source, as the scalar LogCore does, instead of moving a vector of offsets into
    // general registers lane by lane (a long dependency chain through the vector unit).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherAt(LogEntry* table, ulong* source, out Vector128<double> invc, out Vector128<double> logc)
    {
        byte* b = (byte*)table;
        Columns(
            Vector128.Load((double*)(b + LogTableOffset(source[0]))),
            Vector128.Load((double*)(b + LogTableOffset(source[1]))),
            out invc,
            out logc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherAt(LogEntry* table, ulong* source, out Vector256<double> invc, out Vector256<double> logc)
    {
        if (Avx.IsSupported)
        {
            // (c0, l0, c2, l2) and (c1, l1, c3, l3): one in-lane unpack each then yields the columns in lane order.
            byte* b = (byte*)table;
            Vector256<double> even = Vector256.Create(
                Vector128.Load((double*)(b + LogTableOffset(source[0]))), Vector128.Load((double*)(b + LogTableOffset(source[2]))));
            Vector256<double> odd = Vector256.Create(
                Vector128.Load((double*)(b + LogTableOffset(source[1]))), Vector128.Load((double*)(b + LogTableOffset(source[3]))));
            invc = Avx.UnpackLow(even, odd);
            logc = Avx.UnpackHigh(even, odd);
        }
        else
        {
            GatherAt(table, source, out Vector128<double> invcLower, out Vector128<double> logcLower);
            GatherAt(table, source + 2, out Vector128<double> invcUpper, out Vector128<double> logcUpper);
            invc = Vector256.Create(invcLower, invcUpper);
            logc = Vector256.Create(logcLower, logcUpper);
        }
    }

    // Byte offset of the (1/c, ln c) pair for the argument with bits ix: its top 7 mantissa bits, times 16.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint LogTableOffset(ulong ix) => (nuint)(ix >> 41) & 0x7F0;

    // ---- Vector128: the scalar sequence on every lane ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> LogCore(Vector128<double> x)
    {
        Vector128<ulong> offsets = Vector128.ShiftRightLogical(x.AsUInt64(), 41) & Vector128.Create(0x7F0UL);
        Gather(LogTable, offsets, out Vector128<double> invc, out Vector128<double> logc);
        return LogCore(x, invc, logc);
    }

    // The arithmetic after the table lookup, shared by the gathering form above and the one that computes the table
    // offsets from the arguments in memory (KernelMath.Unchecked.cs).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> LogCore(Vector128<double> x, Vector128<double> invc, Vector128<double> logc)
    {
        // tmp = ix − LogOffset with 2^62 added: k = tmp >> 52 (arithmetic) becomes a double without a 64-bit shift or
        // conversion the CPU may lack, since (tmp + 2^62) >>> 52 = k + 1024 lands in the low bits of 2^52's
        // mantissa; the low 52 bits are those of tmp, so z = (tmp mod 2^52) + LogOffset.
        Vector128<ulong> biased = x.AsUInt64() + Vector128.Create(LogBias);
        Vector128<double> kd = (Vector128.ShiftRightLogical(biased, 52) | Vector128.Create(0x4330000000000000UL)).AsDouble() - Vector128.Create(TwoTo52 + 1024.0);
        Vector128<double> z = ((biased & Vector128.Create(0x000FFFFFFFFFFFFFUL)) + Vector128.Create(LogOffset)).AsDouble();

        Vector128<double> r = Vector128.FusedMultiplyAdd(z, invc, Vector128.Create(-1.0));
        Vector128<double> t = Vector128.FusedMultiplyAdd(kd, Vector128.Create(Ln2Hi), logc);
        Vector128<double> hi = t + r;
        Vector128<double> lo = (t - hi) + r;
        lo = Vector128.FusedMultiplyAdd(kd, Vector128.Create(Ln2Lo), lo);
        Vector128<double> r2 = r * r;
        Vector128<double> a = Vector128.FusedMultiplyAdd(Vector128.Create(LogA1), r, Vector128.Create(LogA0));
        Vector128<double> b = Vector128.FusedMultiplyAdd(Vector128.Create(LogA3), r, Vector128.Create(LogA2));
        Vector128<double> c = Vector128.FusedMultiplyAdd(Vector128.Create(LogA5), r, Vector128.Create(LogA4));
        Vector128<double> q = Vector128.FusedMultiplyAdd(c, r2 * r2, Vector128.FusedMultiplyAdd(b, r2, a));
        Vector128<double> ylo = Vector128.FusedMultiplyAdd(r2, q, lo);
        return hi + ylo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ExpCore(Vector128<double> x)
    {
        Vector128<double> kd = Vector128.FusedMultiplyAdd(x, Vector128.Create(InvLn2N), Vector128.Create(RoundShift));
        Vector128<ulong> ki = kd.AsUInt64();
        kd -= Vector128.Create(RoundShift);
        Vector128<double> r = Vector128.FusedMultiplyAdd(kd, Vector128.Create(-Ln2HiN), x);
        r = Vector128.FusedMultiplyAdd(kd, Vector128.Create(-Ln2LoN), r);
        Vector128<ulong> offsets = Vector128.ShiftLeft(ki, 4) & Vector128.Create(0x7F0UL);
        Gather(ExpTable, offsets, out Vector128<double> tail, out Vector128<double> scaleBits);
        Vector128<double> scale = (scaleBits.AsUInt64() + Vector128.ShiftLeft(ki, 45)).AsDouble();

        Vector128<double> r2 = r * r;
        Vector128<double> a = Vector128.FusedMultiplyAdd(Vector128.Create(ExpC3), r, Vector128.Create(ExpC2));
        Vector128<double> b = Vector128.FusedMultiplyAdd(Vector128.Create(ExpC5), r, Vector128.Create(ExpC4));
        Vector128<double> s = Vector128.FusedMultiplyAdd(r2, a, tail + r);
        Vector128<double> tmp = Vector128.FusedMultiplyAdd(r2 * r2, b, s);
        return Vector128.FusedMultiplyAdd(scale, tmp, scale);
    }

    // ---- Vector256: the scalar sequence on every lane ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogCore(Vector256<double> x)
    {
        Vector256<ulong> offsets = Vector256.ShiftRightLogical(x.AsUInt64(), 41) & Vector256.Create(0x7F0UL);
        Gather(LogTable, offsets, out Vector256<double> invc, out Vector256<double> logc);
        return LogCore(x, invc, logc);
    }

    // The arithmetic after the table lookup, shared by the gathering form above and the one that computes the table
    // offsets from the arguments in memory (KernelMath.Unchecked.cs).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogCore(Vector256<double> x, Vector256<double> invc, Vector256<double> logc)
    {
        // tmp = ix − LogOffset with 2^62 added: k = tmp >> 52 (arithmetic) becomes a double without a 64-bit shift or
        // conversion the CPU may lack, since (tmp + 2^62) >>> 52 = k + 1024 lands in the low bits of 2^52's
        // mantissa; the low 52 bits are those of tmp, so z = (tmp mod 2^52) + LogOffset.
        Vector256<ulong> biased = x.AsUInt64() + Vector256.Create(LogBias);
        Vector256<double> kd = (Vector256.ShiftRightLogical(biased, 52) | Vector256.Create(0x4330000000000000UL)).AsDouble() - Vector256.Create(TwoTo52 + 1024.0);
        Vector256<double> z = ((biased & Vector256.Create(0x000FFFFFFFFFFFFFUL)) + Vector256.Create(LogOffset)).AsDouble();

        Vector256<double> r = Vector256.FusedMultiplyAdd(z, invc, Vector256.Create(-1.0));
        Vector256<double> t = Vector256.FusedMultiplyAdd(kd, Vector256.Create(Ln2Hi), logc);
        Vector256<double> hi = t + r;
        Vector256<double> lo = (t - hi) + r;
        lo = Vector256.FusedMultiplyAdd(kd, Vector256.Create(Ln2Lo), lo);
        Vector256<double> r2 = r * r;
        Vector256<double> a = Vector256.FusedMultiplyAdd(Vector256.Create(LogA1), r, Vector256.Create(LogA0));
        Vector256<double> b = Vector256.FusedMultiplyAdd(Vector256.Create(LogA3), r, Vector256.Create(LogA2));
        Vector256<double> c = Vector256.FusedMultiplyAdd(Vector256.Create(LogA5), r, Vector256.Create(LogA4));
        Vector256<double> q = Vector256.FusedMultiplyAdd(c, r2 * r2, Vector256.FusedMultiplyAdd(b, r2, a));
        Vector256<double> ylo = Vector256.FusedMultiplyAdd(r2, q, lo);
        return hi + ylo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpCore(Vector256<double> x)
    {
        Vector256<double> kd = Vector256.FusedMultiplyAdd(x, Vector256.Create(InvLn2N), Vector256.Create(RoundShift));
        Vector256<ulong> ki = kd.AsUInt64();
        kd -= Vector256.Create(RoundShift);
        Vector256<double> r = Vector256.FusedMultiplyAdd(kd, Vector256.Create(-Ln2HiN), x);
        r = Vector256.FusedMultiplyAdd(kd, Vector256.Create(-Ln2LoN), r);
        Vector256<ulong> offsets = Vector256.ShiftLeft(ki, 4) & Vector256.Create(0x7F0UL);
        Gather(ExpTable, offsets, out Vector256<double> tail, out Vector256<double> scaleBits);
        Vector256<double> scale = (scaleBits.AsUInt64() + Vector256.ShiftLeft(ki, 45)).AsDouble();

        Vector256<double> r2 = r * r;
        Vector256<double> a = Vector256.FusedMultiplyAdd(Vector256.Create(ExpC3), r, Vector256.Create(ExpC2));
        Vector256<double> b = Vector256.FusedMultiplyAdd(Vector256.Create(ExpC5), r, Vector256.Create(ExpC4));
        Vector256<double> s = Vector256.FusedMultiplyAdd(r2, a, tail + r);
        Vector256<double> tmp = Vector256.FusedMultiplyAdd(r2 * r2, b, s);
        return Vector256.FusedMultiplyAdd(scale, tmp, scale);
    }

    // ---- Vector512: the scalar sequence on every lane ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogCore(Vector512<double> x)
    {
        Vector512<ulong> offsets = Vector512.ShiftRightLogical(x.AsUInt64(), 41) & Vector512.Create(0x7F0UL);
        Gather(LogTable, offsets, out Vector512<double> invc, out Vector512<double> logc);
        return LogCore(x, invc, logc);
    }

    // The arithmetic after the table lookup, shared by the gathering form above and the one that computes the table
    // offsets from the arguments in memory (KernelMath.Unchecked.cs).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogCore(Vector512<double> x, Vector512<double> invc, Vector512<double> logc)
    {
        // tmp = ix − LogOffset with 2^62 added: k = tmp >> 52 (arithmetic) becomes a double without a 64-bit shift or
        // conversion the CPU may lack, since (tmp + 2^62) >>> 52 = k + 1024 lands in the low bits of 2^52's
        // mantissa; the low 52 bits are those of tmp, so z = (tmp mod 2^52) + LogOffset.
        Vector512<ulong> biased = x.AsUInt64() + Vector512.Create(LogBias);
        Vector512<double> kd = (Vector512.ShiftRightLogical(biased, 52) | Vector512.Create(0x4330000000000000UL)).AsDouble() - Vector512.Create(TwoTo52 + 1024.0);
        Vector512<double> z = ((biased & Vector512.Create(0x000FFFFFFFFFFFFFUL)) + Vector512.Create(LogOffset)).AsDouble();

        Vector512<double> r = Vector512.FusedMultiplyAdd(z, invc, Vector512.Create(-1.0));
        Vector512<double> t = Vector512.FusedMultiplyAdd(kd, Vector512.Create(Ln2Hi), logc);
        Vector512<double> hi = t + r;
        Vector512<double> lo = (t - hi) + r;
        lo = Vector512.FusedMultiplyAdd(kd, Vector512.Create(Ln2Lo), lo);
        Vector512<double> r2 = r * r;
        Vector512<double> a = Vector512.FusedMultiplyAdd(Vector512.Create(LogA1), r, Vector512.Create(LogA0));
        Vector512<double> b = Vector512.FusedMultiplyAdd(Vector512.Create(LogA3), r, Vector512.Create(LogA2));
        Vector512<double> c = Vector512.FusedMultiplyAdd(Vector512.Create(LogA5), r, Vector512.Create(LogA4));
        Vector512<double> q = Vector512.FusedMultiplyAdd(c, r2 * r2, Vector512.FusedMultiplyAdd(b, r2, a));
        Vector512<double> ylo = Vector512.FusedMultiplyAdd(r2, q, lo);
        return hi + ylo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpCore(Vector512<double> x)
    {
        Vector512<double> kd = Vector512.FusedMultiplyAdd(x, Vector512.Create(InvLn2N), Vector512.Create(RoundShift));
        Vector512<ulong> ki = kd.AsUInt64();
        kd -= Vector512.Create(RoundShift);
        Vector512<double> r = Vector512.FusedMultiplyAdd(kd, Vector512.Create(-Ln2HiN), x);
        r = Vector512.FusedMultiplyAdd(kd, Vector512.Create(-Ln2LoN), r);
        Vector512<ulong> offsets = Vector512.ShiftLeft(ki, 4) & Vector512.Create(0x7F0UL);
        Gather(ExpTable, offsets, out Vector512<double> tail, out Vector512<double> scaleBits);
        Vector512<double> scale = (scaleBits.AsUInt64() + Vector512.ShiftLeft(ki, 45)).AsDouble();

        Vector512<double> r2 = r * r;
        Vector512<double> a = Vector512.FusedMultiplyAdd(Vector512.Create(ExpC3), r, Vector512.Create(ExpC2));
        Vector512<double> b = Vector512.FusedMultiplyAdd(Vector512.Create(ExpC5), r, Vector512.Create(ExpC4));
        Vector512<double> s = Vector512.FusedMultiplyAdd(r2, a, tail + r);
        Vector512<double> tmp = Vector512.FusedMultiplyAdd(r2 * r2, b, s);
        return Vector512.FusedMultiplyAdd(scale, tmp, scale);
    }
}
