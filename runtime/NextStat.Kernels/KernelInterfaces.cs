using System.ComponentModel;

namespace NextStat.Kernels;

/// <summary>
/// What the generator writes for an elementwise (map or update) kernel: one loop per width over
/// <c>[start, end)</c>. The struct holds pinned pointers to the caller's spans and the broadcast scalars, so parallel
/// workers can share it; it is only valid while the generated method that created it is running.
/// </summary>
/// <typeparam name="TSelf">The generated kernel struct.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IElementwiseKernel<TSelf>
    where TSelf : struct, IElementwiseKernel<TSelf>
{
    /// <summary>Runs elements <c>[start, end)</c> one at a time.</summary>
    static abstract void RunScalar(in TSelf kernel, int start, int end);

    /// <summary>Runs elements <c>[start, end)</c> with 128-bit vectors and a scalar remainder.</summary>
    static abstract void Run128(in TSelf kernel, int start, int end);

    /// <summary>Runs elements <c>[start, end)</c> with 256-bit vectors and a scalar remainder.</summary>
    static abstract void Run256(in TSelf kernel, int start, int end);

    /// <summary>Runs elements <c>[start, end)</c> with 512-bit vectors and a scalar remainder.</summary>
    static abstract void Run512(in TSelf kernel, int start, int end);
}

/// <summary>
/// What the generator writes for a sum kernel: per width, the accumulation of elements <c>[start, end)</c> of one
/// chunk into <see cref="KernelReduction.VirtualLanes"/> lanes per sum. Element <c>start + j</c> goes to lane
/// <c>j mod VirtualLanes</c> on every width, in element order, which is what makes the result independent of the width.
/// </summary>
/// <typeparam name="TSelf">The generated kernel struct.</typeparam>
/// <typeparam name="T">The element type (<see cref="double"/> or <see cref="float"/>).</typeparam>
/// <remarks>
/// <c>lanes</c> arrives zeroed and holds <c>SumCount × VirtualLanes</c> values (sum k's lanes at
/// <c>k × VirtualLanes</c>); with <c>compensated</c> a second block of the same size follows with the Neumaier
/// compensation of each lane.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISumKernel<TSelf, T>
    where TSelf : struct, ISumKernel<TSelf, T>
    where T : unmanaged
{
    /// <summary>The number of sums one pass produces.</summary>
    static abstract int SumCount { get; }

    /// <summary>Accumulates elements <c>[start, end)</c> one at a time.</summary>
    static abstract void AccumulateScalar(in TSelf kernel, int start, int end, bool compensated, Span<T> lanes);

    /// <summary>Accumulates elements <c>[start, end)</c> with 128-bit vectors and a scalar remainder.</summary>
    static abstract void Accumulate128(in TSelf kernel, int start, int end, bool compensated, Span<T> lanes);

    /// <summary>Accumulates elements <c>[start, end)</c> with 256-bit vectors and a scalar remainder.</summary>
    static abstract void Accumulate256(in TSelf kernel, int start, int end, bool compensated, Span<T> lanes);

    /// <summary>Accumulates elements <c>[start, end)</c> with 512-bit vectors and a scalar remainder.</summary>
    static abstract void Accumulate512(in TSelf kernel, int start, int end, bool compensated, Span<T> lanes);
}
