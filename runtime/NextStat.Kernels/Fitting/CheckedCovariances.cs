using System.Runtime.CompilerServices;

namespace NextStat.Kernels.Fitting;

/// <summary>
/// Which parameters each start covariance (<see cref="FitInput.StartCovariance"/>) has been found positive definite
/// over, shared by every <see cref="Minimizer"/> of the process. The workers of a batch, and the scans, rankings and
/// toys started from one best fit, each create their own minimizer; with a record per minimizer every one of them
/// factored the same covariance again (O(n³): ~25 µs at 60 parameters, ~260 µs on a 126-parameter likelihood), a
/// cost a short parallel job pays once per worker on top of its fits. Keys are held weakly: a record lives as long as
/// its covariance. The covariance is not copied, as <see cref="FitInput"/> asks callers not to change its arrays.
/// </summary>
internal static class CheckedCovariances
{
    private static readonly ConditionalWeakTable<double[][], bool[]> Records = new();

    /// <summary>
    /// The parameters <paramref name="covariance"/> is known to be positive definite over (true entries), or null when
    /// it was never checked at this dimension. The array is never changed after it is published.
    /// </summary>
    public static bool[]? Known(double[][] covariance, int dimension) =>
        Records.TryGetValue(covariance, out bool[]? over) && over.Length == dimension ? over : null;

    /// <summary>
    /// Records that <paramref name="covariance"/> is positive definite over <paramref name="over"/> (which the caller
    /// gives up). It replaces an earlier record: either is true, and every principal submatrix of a positive definite
    /// matrix is positive definite, so a record only ever answers "no new check needed" for sets it covers.
    /// </summary>
    public static void Record(double[][] covariance, bool[] over) => Records.AddOrUpdate(covariance, over);
}
