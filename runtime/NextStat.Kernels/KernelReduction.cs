using System.Buffers;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NextStat.Kernels;

/// <summary>
/// The deterministic chunked reduction behind every generated sum kernel.
/// </summary>
/// <remarks>
/// <para>The input is cut into chunks of <see cref="ChunkSize"/> elements. Inside a chunk, element <c>j</c> is added to
/// virtual lane <c>j mod <see cref="VirtualLanes"/></c>, in element order; a 256-bit kernel holds those lanes as four
/// vectors of four, a 128-bit one as eight of two, a 512-bit one as two of eight and the scalar loop as sixteen
/// scalars. The lanes of a chunk are then combined by one fixed pairwise tree into the chunk's partial sum, and the
/// partials are added in chunk order.</para>
/// <para>Because the shape of every addition is fixed by the element index alone, the result is bitwise identical for
/// any thread count, any scheduling and any width (the element function itself gives the same bits on every width:
/// generated code uses one operation sequence per element and <see cref="KernelMath"/> is lane-exact).</para>
/// </remarks>
public static class KernelReduction
{
    /// <summary>Elements per chunk: the unit of parallel work and of the fixed summation order.</summary>
    public const int ChunkSize = 4096;

    /// <summary>Accumulator lanes per sum, the same on every width.</summary>
    public const int VirtualLanes = 16;

    /// <summary>The most sums one multi-sum kernel may return.</summary>
    public const int MaxSums = 7;

    /// <summary>
    /// Runs <paramref name="kernel"/> over <paramref name="length"/> elements and writes its
    /// <see cref="ISumKernel{TSelf, T}.SumCount"/> sums to <paramref name="sums"/>. Called by generated code.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sums"/> does not have one slot per sum.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [SkipLocalsInit] // the stack buffers are cleared where needed (lanes per chunk), not twice per call
    public static void Sum<TKernel, T>(in TKernel kernel, int length, KernelContext context, Span<T> sums)
        where TKernel : struct, ISumKernel<TKernel, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(context);
        int sumCount = TKernel.SumCount;
        if (sumCount is < 1 or > MaxSums || sums.Length != sumCount)
        {
            throw new ArgumentException($"expected {TKernel.SumCount} sum slot(s) (at most {MaxSums}), got {sums.Length}", nameof(sums));
        }

        sums.Clear();
        if (length <= 0)
        {
            return;
        }

        KernelWidth width = KernelDispatch.Resolve(context.Width);
        bool compensated = context.Compensated;
        int chunkCount = (int)(((long)length + ChunkSize - 1) / ChunkSize);
        int threads = Math.Min(context.ThreadsFor(length), chunkCount);

        Span<T> totalCompensation = stackalloc T[MaxSums];
        totalCompensation = totalCompensation[..sumCount];
        totalCompensation.Clear();
        Span<T> partial = stackalloc T[MaxSums];
        partial = partial[..sumCount];

        if (threads <= 1)
        {
            Span<T> lanes = stackalloc T[2 * MaxSums * VirtualLanes];
            lanes = lanes[..LaneCount(sumCount, compensated)];
            for (int chunk = 0; chunk < chunkCount; chunk++)
            {
                RunChunk(in kernel, width, chunk, length, compensated, lanes, partial);
                AddPartial(sums, totalCompensation, partial, compensated);
            }
        }
        else
        {
            T[] partials = ArrayPool<T>.Shared.Rent(chunkCount * sumCount);
            try
            {
                var job = new SumJob<TKernel, T>(kernel, width, length, chunkCount, compensated, partials);
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Work);
                for (int chunk = 0; chunk < chunkCount; chunk++)
                {
                    AddPartial(sums, totalCompensation, partials.AsSpan(chunk * sumCount, sumCount), compensated);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(partials);
            }
        }

        if (compensated)
        {
            for (int k = 0; k < sumCount; k++)
            {
                sums[k] += totalCompensation[k];
            }
        }
    }

    private static int LaneCount(int sumCount, bool compensated) => (compensated ? 2 : 1) * sumCount * VirtualLanes;

    private static void RunChunk<TKernel, T>(
        in TKernel kernel, KernelWidth width, int chunk, int length, bool compensated, Span<T> lanes, Span<T> partial)
        where TKernel : struct, ISumKernel<TKernel, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int start = chunk * ChunkSize;
        int end = (int)Math.Min((long)start + ChunkSize, length);
        lanes.Clear();
        switch (width)
        {
            case KernelWidth.Vector512:
                TKernel.Accumulate512(in kernel, start, end, compensated, lanes);
                break;
            case KernelWidth.Vector256:
                TKernel.Accumulate256(in kernel, start, end, compensated, lanes);
                break;
            case KernelWidth.Vector128:
                TKernel.Accumulate128(in kernel, start, end, compensated, lanes);
                break;
            default:
                TKernel.AccumulateScalar(in kernel, start, end, compensated, lanes);
                break;
        }

        CombineLanes(lanes, partial, compensated);
    }

    /// <summary>
    /// The fixed pairwise tree over the lanes of each sum: lane l takes lane l + 8, then l + 4, l + 2, l + 1. With
    /// compensation, each pair is added exactly (TwoSum) and the rounding errors join the lane compensations.
    /// </summary>
    private static void CombineLanes<T>(Span<T> lanes, Span<T> partial, bool compensated)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int sumCount = partial.Length;
        for (int k = 0; k < sumCount; k++)
        {
            Span<T> s = lanes.Slice(k * VirtualLanes, VirtualLanes);
            if (!compensated)
            {
                for (int half = VirtualLanes / 2; half >= 1; half /= 2)
                {
                    for (int l = 0; l < half; l++)
                    {
                        s[l] += s[l + half];
                    }
                }

                partial[k] = s[0];
            }
            else
            {
                Span<T> c = lanes.Slice((sumCount + k) * VirtualLanes, VirtualLanes);
                for (int half = VirtualLanes / 2; half >= 1; half /= 2)
                {
                    for (int l = 0; l < half; l++)
                    {
                        T a = s[l];
                        T b = s[l + half];
                        T t = a + b;
                        T bVirtual = t - a;
                        T error = (a - (t - bVirtual)) + (b - bVirtual);
                        s[l] = t;
                        c[l] = c[l] + c[l + half] + error;
                    }
                }

                partial[k] = s[0] + c[0];
            }
        }
    }

    private static void AddPartial<T>(Span<T> sums, Span<T> compensation, ReadOnlySpan<T> partial, bool compensated)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < sums.Length; k++)
        {
            if (compensated)
            {
                KernelAccumulator.Add(ref sums[k], ref compensation[k], partial[k]);
            }
            else
            {
                sums[k] += partial[k];
            }
        }
    }

    /// <summary>
    /// Parallel workers pull chunk indices from a shared counter and write each chunk's partial to its own slot, so
    /// which thread ran a chunk never matters.
    /// </summary>
    private sealed class SumJob<TKernel, T>(TKernel kernel, KernelWidth width, int length, int chunkCount, bool compensated, T[] partials)
        where TKernel : struct, ISumKernel<TKernel, T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly TKernel _kernel = kernel;
        private int _nextChunk = -1;

        [SkipLocalsInit]
        public void Work(int worker)
        {
            int sumCount = TKernel.SumCount;
            Span<T> lanes = stackalloc T[2 * MaxSums * VirtualLanes];
            lanes = lanes[..LaneCount(sumCount, compensated)];
            int chunk;
            while ((chunk = Interlocked.Increment(ref _nextChunk)) < chunkCount)
            {
                RunChunk(in _kernel, width, chunk, length, compensated, lanes, partials.AsSpan(chunk * sumCount, sumCount));
            }
        }
    }
}
