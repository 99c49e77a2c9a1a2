namespace NextStat.HistFactory.Inference;

/// <summary>Brent's method (inverse quadratic interpolation, secant and bisection) for a bracketed root.</summary>
public static class RootFinding
{
    /// <summary>
    /// A root of <paramref name="function"/> in [<paramref name="a"/>, <paramref name="b"/>], where the function must
    /// change sign, to within <paramref name="tolerance"/> in x.
    /// </summary>
    /// <exception cref="ArgumentException">The function does not change sign over the interval (or is NaN at an end).</exception>
    /// <exception cref="InvalidOperationException">No convergence within <paramref name="maxIterations"/>.</exception>
    public static double Brent(Func<double, double> function, double a, double b, double tolerance = 1e-10, int maxIterations = 200)
    {
        ArgumentNullException.ThrowIfNull(function);
        double fa = function(a);
        double fb = function(b);
        if (double.IsNaN(fa) || double.IsNaN(fb) || (fa > 0 && fb > 0) || (fa < 0 && fb < 0))
        {
            throw new ArgumentException($"the function does not change sign over [{a}, {b}] (f(a) = {fa}, f(b) = {fb})");
        }

        if (fa == 0)
        {
            return a;
        }

        if (fb == 0)
        {
            return b;
        }

        double c = a;
        double fc = fa;
        double d = b - a;
        double e = d;
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0))
            {
                // Keep the root between b and c.
                c = a;
                fc = fa;
                d = b - a;
                e = d;
            }

            if (Math.Abs(fc) < Math.Abs(fb))
            {
                (a, b, c) = (b, c, b);
                (fa, fb, fc) = (fb, fc, fb);
            }

            double tol = (2.0 * double.Epsilon) + (2e-16 * Math.Abs(b)) + (0.5 * tolerance);
            double m = 0.5 * (c - b);
            if (Math.Abs(m) <= tol || fb == 0)
            {
                return b;
            }

            if (Math.Abs(e) >= tol && Math.Abs(fa) > Math.Abs(fb))
            {
                double p;
                double q;
                double s = fb / fa;
                if (a == c)
                {
                    p = 2.0 * m * s;
                    q = 1.0 - s;
                }
                else
                {
                    double qa = fa / fc;
                    double r = fb / fc;
                    p = s * ((2.0 * m * qa * (qa - r)) - ((b - a) * (r - 1.0)));
                    q = (qa - 1.0) * (r - 1.0) * (s - 1.0);
                }

                if (p > 0)
                {
                    q = -q;
                }
                else
                {
                    p = -p;
                }

                if (2.0 * p < Math.Min((3.0 * m * q) - Math.Abs(tol * q), Math.Abs(e * q)))
                {
                    e = d;
                    d = p / q;
                }
                else
                {
                    d = m;
                    e = m;
                }
            }
            else
            {
                d = m;
                e = m;
            }

            a = b;
            fa = fb;
            b += Math.Abs(d) > tol ? d : (m > 0 ? tol : -tol);
            fb = function(b);
            if (double.IsNaN(fb))
            {
                throw new InvalidOperationException($"the function is NaN at {b} inside the bracket");
            }
        }

        throw new InvalidOperationException($"no root found to {tolerance} within {maxIterations} iterations");
    }
}
