using System.ComponentModel;

namespace NextStat.Kernels;

/// <summary>The driver behind every generated map and update kernel: dispatch, and chunked parallelism above the threshold.</summary>
public static class KernelLoop
{
    /// <summary>
    /// Runs <paramref name="kernel"/> over <paramref name="length"/> elements with the width and threads of
    /// <paramref name="context"/>. Elementwise results do not depend on how the range is split, so parallel runs give
    /// the same bits as single-threaded ones. Called by generated code.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Run<TKernel>(in TKernel kernel, int length, KernelContext context)
        where TKernel : struct, IElementwiseKernel<TKernel>
    {
        ArgumentNullException.ThrowIfNull(context);
        if (length <= 0)
        {
            return;
        }

        KernelWidth width = KernelDispatch.Resolve(context.Width);
        int chunkCount = (int)(((long)length + KernelReduction.ChunkSize - 1) / KernelReduction.ChunkSize);
        int threads = Math.Min(context.ThreadsFor(length), chunkCount);
        if (threads <= 1)
        {
            RunRange(in kernel, width, 0, length);
            return;
        }

        var job = new Job<TKernel>(kernel, width, length, chunkCount);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Work);
    }

    private static void RunRange<TKernel>(in TKernel kernel, KernelWidth width, int start, int end)
        where TKernel : struct, IElementwiseKernel<TKernel>
    {
        switch (width)
        {
            case KernelWidth.Vector512:
                TKernel.Run512(in kernel, start, end);
                break;
            case KernelWidth.Vector256:
                TKernel.Run256(in kernel, start, end);
                break;
            case KernelWidth.Vector128:
                TKernel.Run128(in kernel, start, end);
                break;
            default:
                TKernel.RunScalar(in kernel, start, end);
                break;
        }
    }

    private sealed class Job<TKernel>(TKernel kernel, KernelWidth width, int length, int chunkCount)
        where TKernel : struct, IElementwiseKernel<TKernel>
    {
        private readonly TKernel _kernel = kernel;
        private int _nextChunk = -1;

        public void Work(int worker)
        {
            int chunk;
            while ((chunk = Interlocked.Increment(ref _nextChunk)) < chunkCount)
            {
                int start = chunk * KernelReduction.ChunkSize;
                int end = (int)Math.Min((long)start + KernelReduction.ChunkSize, length);
                RunRange(in _kernel, width, start, end);
            }
        }
    }
}
