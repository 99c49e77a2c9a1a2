using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NextStat.Kernels.Fitting;

/// <summary>
/// Cholesky factorisation, solves and inverse of small dense symmetric matrices stored row-major in flat spans, and
/// the vector primitives the minimizer's O(m²) updates use. Every inner loop runs over contiguous memory in
/// <see cref="Vector{T}"/> steps: fits of ~60–200 parameters spend as much time here as in the model otherwise.
/// Results depend only on the inputs (no threads), so they are the same for any thread count. The kernels are
/// compiled fully optimised from their first call: a single fit (the console host's) calls each only a few times,
/// too few for tiered compilation to reach its optimised code.
/// </summary>
internal static class DenseCholesky
{
    /// <summary>
    /// Σ a[i]·b[i] over the common length: four vector accumulators (FMA latency, not throughput, limits one), then
    /// single vectors, then the scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int length = Math.Min(a.Length, b.Length);
        ref double ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        int width = Vector<double>.Count;
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && length >= width)
        {
            Vector<double> s0 = Vector<double>.Zero;
            Vector<double> s1 = Vector<double>.Zero;
            Vector<double> s2 = Vector<double>.Zero;
            Vector<double> s3 = Vector<double>.Zero;
            for (; i <= length - (4 * width); i += 4 * width)
            {
                s0 = Vector.FusedMultiplyAdd(Load(ref ra, i), Load(ref rb, i), s0);
                s1 = Vector.FusedMultiplyAdd(Load(ref ra, i + width), Load(ref rb, i + width), s1);
                s2 = Vector.FusedMultiplyAdd(Load(ref ra, i + (2 * width)), Load(ref rb, i + (2 * width)), s2);
                s3 = Vector.FusedMultiplyAdd(Load(ref ra, i + (3 * width)), Load(ref rb, i + (3 * width)), s3);
            }

            for (; i <= length - width; i += width)
            {
                s0 = Vector.FusedMultiplyAdd(Load(ref ra, i), Load(ref rb, i), s0);
            }

            sum = Vector.Sum((s0 + s1) + (s2 + s3));
        }

        for (; i < length; i++)
        {
            sum = Math.FusedMultiplyAdd(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i), sum);
        }

        return sum;
    }

    /// <summary>y[i] += alpha·x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> y, double alpha, ReadOnlySpan<double> x)
    {
        int length = y.Length;
        if (x.Length < length)
        {
            throw new ArgumentException("x is shorter than y", nameof(x));
        }

        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        int width = Vector<double>.Count;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<double>(alpha);
            for (; i <= length - width; i += width)
            {
                Store(Vector.FusedMultiplyAdd(a, Load(ref rx, i), Load(ref ry, i)), ref ry, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref ry, i) = Math.FusedMultiplyAdd(alpha, Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
        }
    }

    /// <summary>y[i] += alpha·x[i] + beta·z[i] (the row update of a symmetric rank-2 change).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> y, double alpha, ReadOnlySpan<double> x, double beta, ReadOnlySpan<double> z)
    {
        int length = y.Length;
        if (x.Length < length || z.Length < length)
        {
            throw new ArgumentException("x or z is shorter than y");
        }

        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double rz = ref MemoryMarshal.GetReference(z);
        ref double ry = ref MemoryMarshal.GetReference(y);
        int width = Vector<double>.Count;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<double>(alpha);
            var b = new Vector<double>(beta);
            for (; i <= length - width; i += width)
            {
                Store(Vector.FusedMultiplyAdd(b, Load(ref rz, i), Vector.FusedMultiplyAdd(a, Load(ref rx, i), Load(ref ry, i))), ref ry, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref ry, i) = Math.FusedMultiplyAdd(beta, Unsafe.Add(ref rz, i), Math.FusedMultiplyAdd(alpha, Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i)));
        }
    }

    /// <summary>
    /// Replaces the lower triangle of <paramref name="a"/> (m×m) by L with A = L·Lᵀ. Returns false when A is not
    /// positive definite (a pivot ≤ 0 or not finite); the upper triangle is left as it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Factor(Span<double> a, int m)
    {
        for (int j = 0; j < m; j++)
        {
            Span<double> rowJ = a.Slice(j * m, m);
            double diagonal = rowJ[j] - Dot(rowJ[..j], rowJ[..j]);
            if (!(diagonal > 0) || !double.IsFinite(diagonal))
            {
                return false;
            }

            double pivot = Math.Sqrt(diagonal);
            rowJ[j] = pivot;
            double inversePivot = 1.0 / pivot;
            ReadOnlySpan<double> headJ = rowJ[..j];
            for (int i = j + 1; i < m; i++)
            {
                Span<double> rowI = a.Slice(i * m, m);
                rowI[j] = (rowI[j] - Dot(rowI[..j], headJ)) * inversePivot;
            }
        }

        return true;
    }

    /// <summary>Solves L·Lᵀ·x = b in place, with L from <see cref="Factor"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Solve(ReadOnlySpan<double> l, int m, Span<double> b)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> row = l.Slice(i * m, m);
            b[i] = (b[i] - Dot(row[..i], b[..i])) / row[i];
        }

        // Lᵀ·x = y by columns of Lᵀ, i.e. rows of L: contiguous updates instead of strided sums.
        for (int i = m - 1; i >= 0; i--)
        {
            ReadOnlySpan<double> row = l.Slice(i * m, m);
            double xi = b[i] / row[i];
            b[i] = xi;
            AddScaled(b[..i], -xi, row[..i]);
        }
    }

    /// <summary>
    /// Writes (L·Lᵀ)⁻¹ into <paramref name="inverse"/> (m×m, full, exactly symmetric), using
    /// <paramref name="scratch"/> (m×m) for L⁻ᵀ: A⁻¹ = L⁻ᵀ·L⁻¹, both triangular steps by row dot products.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Invert(ReadOnlySpan<double> l, int m, Span<double> inverse, Span<double> scratch)
    {
        // Row j of U = L⁻ᵀ holds column j of L⁻¹ (entries j…m−1): forward substitution of L·t = e_j.
        for (int j = 0; j < m; j++)
        {
            Span<double> u = scratch.Slice(j * m, m);
            u[j] = 1.0 / l[(j * m) + j];
            for (int i = j + 1; i < m; i++)
            {
                ReadOnlySpan<double> row = l.Slice(i * m, m);
                u[i] = -Dot(row[j..i], u[j..i]) / row[i];
            }
        }

        // (A⁻¹)_ij = Σ_{k ≥ max(i, j)} U_ik·U_jk, computed once per pair and mirrored.
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> ui = scratch.Slice(i * m, m);
            for (int j = i; j < m; j++)
            {
                double value = Dot(ui[j..], scratch.Slice((j * m) + j, m - j));
                inverse[(i * m) + j] = value;
                inverse[(j * m) + i] = value;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Load(ref double source, int offset) =>
        Unsafe.ReadUnaligned<Vector<double>>(ref Unsafe.As<double, byte>(ref Unsafe.Add(ref source, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<double> value, ref double destination, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<double, byte>(ref Unsafe.Add(ref destination, offset)), value);
}
