public class ReverseBytes {
    public static void main(String[] args) throws Exception {
        byte[] b = System.in.readAllBytes();
        for (int i = 0, j = b.length - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        System.out.write(b);
        System.out.flush();
    }
}
